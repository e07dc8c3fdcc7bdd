import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AuError } from '../errors.js';
import type { Queryable } from '../db/database.js';
import { forgetAudienceId, getJob, insertBatches, knownAudienceId, lockJob, markBatchesQueued, readyBatches, setJobPrepared, setJobState } from '../db/queries/jobs.js';
import type { PlannedBatch } from '../destinations/definition.js';
import { getDestination } from '../destinations/registry.js';
import type { OutputFile } from '../transform/file-parts.js';
import { transform } from '../transform/transform.js';
import { checkMinimumSize, resolveAudience } from '../upload/upload.js';
import { connectForJob } from './destination.js';
import { describeError, isTransient } from './errors.js';
import type { Runtime } from './runtime.js';
import { QUEUES, uploadJobSpecSchema, type BatchMessage } from './spec.js';
import { bossTx } from './boss-tx.js';
import { chainPlans, diffForMirror } from './mirror.js';

/**
 * First step of an upload job: read the inputs, transform, resolve the audience, plan the batches, put the batch
 * files in storage, and queue the batches that can start, all committed together. Runs again harmlessly after a
 * crash (nothing reaches the platform here).
 */
export async function prepareJob(runtime: Runtime, jobId: string, attempt: { retryCount: number; retryLimit: number }): Promise<void> {
  const job = await getJob(runtime.db, jobId);
  if (!job || (job.state !== 'queued' && job.state !== 'preparing')) return;
  await setJobState(runtime.db, jobId, 'preparing', { started: true });
  const local = join(runtime.dataDir, 'work', `${jobId}-prepare-${randomBytes(3).toString('hex')}`);
  let secrets: { value: string; name: string }[] = [];
  try {
    const spec = uploadJobSpecSchema.parse(job.options);
    const definition = getDestination(spec.platform);
    const destination = await connectForJob(runtime, definition, spec.destinationId);
    secrets = destination.secrets;
    const { connector } = destination;
    mkdirSync(local, { recursive: true });
    const inputs = await localInputs(runtime, spec.inputs, join(local, 'in'));
    const fullDir = join(local, 'full');
    const report = await transform({
      inputs,
      destination: definition.platform,
      mappings: spec.mappings,
      outDir: fullDir,
      dataDir: runtime.dataDir,
      defaultCountry: spec.defaultCountry,
      dateFormat: spec.dateFormat,
    });
    if (report.rows.kept === 0) {
      throw new AuError('AU_UPLOAD_INCOMPLETE', 'no valid identifier was found in the input, so nothing was uploaded (check the column mapping)');
    }
    await connector.testCredentials();
    const store = {
      get: (account: string, name: string) => knownAudienceId(runtime.db, definition.platform, account, name),
      forget: (account: string, name: string) => forgetAudienceId(runtime.db, definition.platform, account, name),
    };
    const target = await resolveAudience(definition, connector, store, 'id' in spec.audience ? { audienceId: spec.audience.id } : { audienceName: spec.audience.name }, report);
    const sessionId = job.session_id ?? String(randomInt(1, 2 ** 47));
    const workPrefix = `jobs/${jobId}`;
    let plan: PlannedBatch[];
    let filesToStore: { dir: string; prefix: string; files: OutputFile[] }[];
    if (spec.mode === 'mirror') {
      checkMinimumSize(definition, spec.additive ? 'append' : 'replace', target, report.rows.kept);
      const diff = await diffForMirror(runtime, { definition, account: connector.account, target, report, fullDir, workDir: local });
      const parts: PlannedBatch[][] = [];
      if (diff.added.files.length > 0) {
        parts.push(definition.plan({ files: prefixed(diff.added.files, 'added'), typeName: report.output.typeName, header: report.output.header, mode: 'append', audience: target.ref, sessionId }));
      }
      if (!spec.additive && diff.removed.files.length > 0) {
        if ('name' in target.ref) throw new AuError('AU_INTERNAL', 'a mirror removal needs the audience to exist');
        const firstSeq = (parts[0]?.length ?? 0) + 1;
        // A session id of its own: Meta sessions are per operation.
        parts.push(definition.plan({ files: prefixed(diff.removed.files, 'removed'), typeName: report.output.typeName, header: report.output.header, mode: 'remove', audience: target.ref, sessionId: String(Number(sessionId) + 1), firstSeq }));
      }
      plan = chainPlans(parts);
      filesToStore = [
        { dir: join(diff.dir, 'added'), prefix: `${workPrefix}/out/added`, files: diff.added.files },
        { dir: join(diff.dir, 'removed'), prefix: `${workPrefix}/out/removed`, files: spec.additive ? [] : diff.removed.files },
        { dir: fullDir, prefix: `${workPrefix}/full`, files: report.output.files },
      ];
    } else {
      checkMinimumSize(definition, spec.mode, target, report.rows.kept);
      plan = definition.plan({ files: report.output.files, typeName: report.output.typeName, header: report.output.header, mode: spec.mode, audience: target.ref, sessionId });
      filesToStore = [{ dir: fullDir, prefix: `${workPrefix}/out`, files: report.output.files }];
    }
    for (const group of filesToStore) {
      for (const file of group.files) await runtime.storage.writeFile(`${group.prefix}/${file.path}`, join(group.dir, file.path));
    }
    await runtime.db.transaction(async (tx) => {
      const locked = await lockJob(tx, jobId);
      if (!locked || locked.state !== 'preparing') return;
      await insertBatches(tx, jobId, plan);
      await setJobPrepared(tx, jobId, {
        account: connector.account,
        platformAudienceId: 'id' in target.ref ? target.ref.id : null,
        sessionId,
        workPrefix,
        report,
      });
      if (plan.length === 0) {
        await setJobState(tx, jobId, 'done', { finished: true, summary: { nothingToSend: true } });
        return;
      }
      await queueReadyBatches(runtime, tx, jobId);
    });
  } catch (error) {
    const retry = isTransient(error) && attempt.retryCount < attempt.retryLimit;
    // Another attempt (a redelivery after this one seemed dead) may have finished the preparation meanwhile.
    await runtime.db.transaction(async (tx) => {
      const locked = await lockJob(tx, jobId);
      if (locked?.state !== 'preparing') return;
      if (retry) await setJobState(tx, jobId, 'queued');
      else await setJobState(tx, jobId, isTransient(error) ? 'dead' : 'failed', { error: describeError(error, secrets), finished: true });
    });
    if (retry) throw error;
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
}

function prefixed(files: readonly OutputFile[], folder: string): OutputFile[] {
  return files.map((file) => ({ ...file, path: `${folder}/${file.path}` }));
}

/** Inputs as local files: local paths as they are; storage keys in place when the storage is local, else downloaded. */
async function localInputs(runtime: Runtime, inputs: { local: string[] } | { storage: string[] }, downloadDir: string): Promise<string[]> {
  if ('local' in inputs) return inputs.local;
  const paths: string[] = [];
  for (const key of inputs.storage) {
    const inPlace = runtime.storage.localPath(key);
    if (inPlace && existsSync(inPlace)) {
      paths.push(inPlace);
      continue;
    }
    const dir = join(downloadDir, String(paths.length));
    const files = await runtime.storage.download(key, dir);
    if (files.length === 0) throw new AuError('AU_INPUT_NOT_FOUND', `nothing found in storage at ${key}`);
    paths.push(...files);
  }
  return paths;
}

/** Sends a message for every batch whose dependencies are done, inside the caller's transaction. */
export async function queueReadyBatches(runtime: Runtime, tx: Queryable, jobId: string): Promise<number[]> {
  const ready = await readyBatches(tx, jobId);
  if (ready.length === 0) return ready;
  await markBatchesQueued(tx, jobId, ready);
  for (const seq of ready) {
    const message: BatchMessage = { jobId, seq };
    await runtime.boss.send(QUEUES.batch, message, { ...runtime.sendOptions, db: bossTx(tx) });
  }
  return ready;
}
