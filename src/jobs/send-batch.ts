import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AuError } from '../errors.js';
import {
  batchCounts,
  doneOutcomes,
  forgetWorkFiles,
  getJob,
  listBatches,
  lockBatch,
  lockJob,
  markBatchDone,
  markBatchFailed,
  markBatchSending,
  setJobAudience,
  setJobState,
  type BatchRow,
  type JobRow,
} from '../db/queries/jobs.js';
import type { BatchOutcome, PlannedBatch } from '../destinations/definition.js';
import { getDestination } from '../destinations/registry.js';
import { connectForJob } from './destination.js';
import { describeError, isTransient } from './errors.js';
import { saveSnapshot } from './mirror.js';
import { queueReadyBatches } from './prepare.js';
import type { Runtime } from './runtime.js';
import { uploadJobSpecSchema } from './spec.js';

/**
 * Sends one batch. The batch is claimed (state `sending`) in a transaction, sent, and recorded as done only after
 * the platform accepted it, in the same transaction that queues the batches it unblocks. A worker that dies
 * mid-request leaves the batch `sending`; the queue hands it to another worker after it expires, which sends it
 * again with the same platform idempotency keys (Meta session and batch_seq, TikTok file path), and a create
 * looks for the audience it may already have made.
 */
export async function sendBatch(runtime: Runtime, jobId: string, seq: number, attempt: { retryCount: number; retryLimit: number }): Promise<void> {
  const claim = await runtime.db.transaction(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (!job || job.state !== 'uploading') return null;
    const batch = await lockBatch(tx, jobId, seq);
    if (!batch || (batch.state !== 'queued' && batch.state !== 'sending')) return null;
    await markBatchSending(tx, jobId, seq);
    return { job, batch, resumed: batch.state === 'sending' };
  });
  if (!claim) return;
  const { job, batch } = claim;
  const spec = uploadJobSpecSchema.parse(job.options);
  const definition = getDestination(spec.platform);
  let secrets: { value: string; name: string }[] = [];
  const local = join(runtime.dataDir, 'work', `${jobId}-${seq}-${randomBytes(3).toString('hex')}`);
  let outcome: BatchOutcome;
  // What the monitor shows as retries and rate-limit waits: the platform's answers, not our own pacing.
  const calls = { retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 };
  try {
    const destination = await connectForJob(runtime, definition, spec.destinationId, {
      onRetry: (event) => {
        if (event.disposition === 'throttle') {
          calls.rateLimitWaits += 1;
          calls.rateLimitWaitMs += event.delayMs;
        } else calls.retries += 1;
      },
    });
    secrets = destination.secrets;
    const outDir = await batchFiles(runtime, job, batch, local);
    outcome = await destination.connector.runBatch(toPlanned(batch), {
      outDir,
      audienceId: job.platform_audience_id,
      outcomes: await doneOutcomes(runtime.db, jobId),
      resumed: claim.resumed,
    });
  } catch (error) {
    const transient = isTransient(error);
    const described = describeError(error, secrets);
    if (transient && attempt.retryCount < attempt.retryLimit) {
      // Stays `sending`: the next attempt cannot know whether this one reached the platform.
      throw new AuError('AU_PLATFORM_UNAVAILABLE', described.message);
    }
    await runtime.db.transaction(async (tx) => {
      await markBatchFailed(tx, jobId, seq, transient ? 'dead' : 'failed', described);
      await setJobState(tx, jobId, transient ? 'dead' : 'failed', { error: { ...described, message: `batch ${seq}: ${described.message}` }, finished: true });
    });
    return;
  } finally {
    rmSync(local, { recursive: true, force: true });
  }

  const finished = await runtime.db.transaction(async (tx) => {
    const locked = await lockJob(tx, jobId);
    await markBatchDone(tx, jobId, seq, { ...outcome, worker: runtime.workerId, ...calls });
    if (outcome.audienceId) await setJobAudience(tx, jobId, outcome.audienceId);
    if (locked?.state !== 'uploading') return false;
    await queueReadyBatches(runtime, tx, jobId);
    const counts = await batchCounts(tx, jobId);
    const open = counts.pending + counts.queued + counts.sending + counts.failed + counts.dead;
    if (open > 0) return false;
    await setJobState(tx, jobId, 'done', { finished: true, summary: await jobSummary(tx, jobId) });
    return true;
  });
  if (finished) await afterSuccess(runtime, jobId);
}

/** The job's batch files as local files: in place for local storage, downloaded from S3 otherwise. */
async function batchFiles(runtime: Runtime, job: JobRow, batch: BatchRow, local: string): Promise<string> {
  const prefix = `${job.work_prefix}/out`;
  const first = batch.files[0];
  if (first === undefined) return local;
  const inPlace = runtime.storage.localPath(`${prefix}/${first}`);
  if (inPlace && existsSync(inPlace)) return inPlace.slice(0, inPlace.length - first.length - 1);
  for (const file of batch.files) {
    const target = join(local, file);
    mkdirSync(dirname(target), { recursive: true });
    await runtime.storage.download(`${prefix}/${file}`, dirname(target));
  }
  return local;
}

function toPlanned(batch: BatchRow): PlannedBatch {
  return { seq: batch.seq, kind: batch.kind, files: batch.files, rows: batch.rows, checksum: batch.checksum, params: batch.params, dependsOn: batch.depends_on };
}

/** What the platform took, summed over the job's batches. */
async function jobSummary(tx: Parameters<typeof listBatches>[0], jobId: string): Promise<Record<string, unknown>> {
  const batches = await listBatches(tx, jobId);
  let received = 0;
  let invalid = 0;
  const workers = new Set<string>();
  for (const batch of batches) {
    const outcome = batch.outcome ?? {};
    if (batch.kind === 'apply-files' || batch.kind === 'send-rows') {
      received += outcome.received ?? 0;
      invalid += outcome.invalid ?? 0;
    }
    if (outcome.worker) workers.add(outcome.worker);
  }
  return { batches: batches.length, received, invalid, workers: [...workers].sort() };
}

/** A finished mirror's output becomes the audience's snapshot; the job's other files are deleted (retention). */
async function afterSuccess(runtime: Runtime, jobId: string): Promise<void> {
  const job = await getJob(runtime.db, jobId);
  if (!job?.work_prefix) return;
  if (job.mode === 'mirror' && job.platform_audience_id && job.account) {
    await saveSnapshot(runtime, { workPrefix: job.work_prefix, platform: job.platform, account: job.account, audienceId: job.platform_audience_id });
  }
  await runtime.storage.deletePrefix(job.work_prefix);
  await forgetWorkFiles(runtime.db, jobId);
}
