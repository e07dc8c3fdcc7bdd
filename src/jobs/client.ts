import { AuError } from '../errors.js';
import { recordAudit } from '../db/queries/audit.js';
import type { Queryable } from '../db/database.js';
import { getJob, insertJob, listBatches, lockJob, resetFailedBatches, setJobLinks, setJobState, type JobRow } from '../db/queries/jobs.js';
import { getSavedDestination } from '../destinations/saved.js';
import { queueReadyBatches } from './prepare.js';
import type { Runtime } from './runtime.js';
import { FINAL_JOB_STATES, QUEUES, uploadJobSpecSchema, type PrepareMessage, type UploadJobSpec } from './spec.js';
import { bossTx } from './boss-tx.js';

/** Records an upload job and queues its preparation, in one transaction. */
export async function submitUploadJob(runtime: Runtime, spec: UploadJobSpec, createdBy: string): Promise<JobRow> {
  const parsed = uploadJobSpecSchema.parse(spec);
  return runtime.db.transaction((tx) => queueUploadJob(runtime, tx, parsed, createdBy));
}

/**
 * `submitUploadJob` inside the caller's transaction (a schedule records its run with it). A saved destination must
 * exist and be of the job's platform (AU_DESTINATION_NOT_FOUND, AU_OPTION_INVALID); the job is linked to it and to
 * the schedule, if any.
 */
export async function queueUploadJob(runtime: Runtime, tx: Queryable, spec: UploadJobSpec, createdBy: string, links: { scheduleId?: number } = {}): Promise<JobRow> {
  const parsed = uploadJobSpecSchema.parse(spec);
  if (parsed.destinationId !== undefined) {
    const destination = await getSavedDestination(tx, parsed.destinationId);
    if (destination.platform !== parsed.platform) {
      throw new AuError('AU_OPTION_INVALID', `The job is for ${parsed.platform}, but the saved destination "${destination.name}" is ${destination.label}`);
    }
  }
  const job = await insertJob(tx, { kind: 'upload', spec: parsed, createdBy });
  if (parsed.destinationId !== undefined || links.scheduleId !== undefined) await setJobLinks(tx, job.id, { destinationId: parsed.destinationId, scheduleId: links.scheduleId });
  const message: PrepareMessage = { jobId: job.id };
  await runtime.boss.send(QUEUES.prepare, message, { ...runtime.sendOptions, db: bossTx(tx) });
  return job;
}

/** Polls until the job reaches a final state; `onProgress` gets the job and its batch states on every change. */
export async function waitForJob(
  runtime: Runtime,
  jobId: string,
  options: { intervalMs?: number; timeoutMs?: number; onProgress?: (job: JobRow, done: number, total: number) => void } = {},
): Promise<JobRow> {
  const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  let last = '';
  for (;;) {
    const job = await getJob(runtime.db, jobId);
    if (!job) throw new AuError('AU_JOB_NOT_FOUND', `no job ${jobId}`);
    const batches = await listBatches(runtime.db, jobId);
    const done = batches.filter((batch) => batch.state === 'done').length;
    const signature = `${job.state}:${done}:${batches.length}`;
    if (signature !== last) options.onProgress?.(job, done, batches.length);
    last = signature;
    if (FINAL_JOB_STATES.has(job.state)) return job;
    if (Date.now() > deadline) throw new AuError('AU_JOB_TIMEOUT', `job ${jobId} is still ${job.state} after ${options.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

/**
 * Sends failed and dead batches again (a dead letter an operator retries), or prepares a job that failed before its
 * plan. The audit entry (`job.retried`, by `actor`) commits with the change or not at all.
 */
export async function retryJob(runtime: Runtime, jobId: string, actor: string): Promise<JobRow> {
  return runtime.db.transaction(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (!job) throw new AuError('AU_JOB_NOT_FOUND', `no job ${jobId}`);
    if (job.state !== 'failed' && job.state !== 'dead') throw new AuError('AU_JOB_STATE', `job ${jobId} is ${job.state}; only failed or dead jobs can be retried`);
    await recordAudit(tx, { actor, action: 'job.retried', targetType: 'job', targetId: jobId, details: { previousState: job.state, error: job.error?.code ?? null } });
    const batches = await listBatches(tx, jobId);
    if (job.work_prefix === null && batches.length > 0) {
      throw new AuError('AU_JOB_STATE', `job ${jobId}'s batch files were deleted after AU_RETENTION_DAYS; submit the upload again`);
    }
    if (job.work_prefix === null) {
      await setJobState(tx, jobId, 'queued', { error: null });
      const message: PrepareMessage = { jobId };
      await runtime.boss.send(QUEUES.prepare, message, { ...runtime.sendOptions, db: bossTx(tx) });
    } else {
      await resetFailedBatches(tx, jobId);
      await setJobState(tx, jobId, 'uploading', { error: null });
      await queueReadyBatches(runtime, tx, jobId);
    }
    return (await getJob(tx, jobId))!;
  });
}

/**
 * Stops a job: no batch starts after this; batches already accepted by the platform stay applied. The audit entry
 * (`job.cancelled`, by `actor`, with `details` besides the previous state) commits with the change.
 */
export async function cancelJob(runtime: Runtime, jobId: string, actor: string, details: Record<string, unknown> = {}): Promise<JobRow> {
  return runtime.db.transaction(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (!job) throw new AuError('AU_JOB_NOT_FOUND', `no job ${jobId}`);
    if (FINAL_JOB_STATES.has(job.state)) throw new AuError('AU_JOB_STATE', `job ${jobId} is already ${job.state}`);
    await recordAudit(tx, { actor, action: 'job.cancelled', targetType: 'job', targetId: jobId, details: { previousState: job.state, ...details } });
    await setJobState(tx, jobId, 'cancelled', { finished: true });
    return (await getJob(tx, jobId))!;
  });
}
