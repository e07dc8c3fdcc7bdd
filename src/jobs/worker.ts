import type PgBoss from 'pg-boss';
import { startDropzone } from '../dropzone/watcher.js';
import { startScheduleWorker } from '../schedules/worker.js';
import { prepareJob } from './prepare.js';
import type { Runtime } from './runtime.js';
import { sendBatch } from './send-batch.js';
import { QUEUES, type BatchMessage, type PrepareMessage } from './spec.js';

type Job<T> = PgBoss.JobWithMetadata<T>;

/**
 * Registers this process as a worker: it prepares upload jobs and sends batches, `batchConcurrency` at a time.
 * Every worker on every machine takes from the same queues; the database holds the state.
 */
export async function startWorker(runtime: Runtime, options: { background?: boolean } = {}): Promise<{ stop(): Promise<void> }> {
  // Background duties (drop zone, schedules) belong to long-running workers, not to a CLI working its own job.
  const background = options.background ?? true;
  const { boss, settings } = runtime;
  const pollingIntervalSeconds = settings.pollingIntervalSeconds;
  const ids: string[] = [];
  ids.push(
    await boss.work<PrepareMessage>(QUEUES.prepare, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds }, async ([job]: Job<PrepareMessage>[]) => {
      if (job) await prepareJob(runtime, job.data.jobId, { retryCount: job.retryCount, retryLimit: job.retryLimit });
    }),
  );
  // One subscription per slot: pg-boss runs a subscription's handler one fetch at a time.
  for (let slot = 0; slot < settings.batchConcurrency; slot++) {
    ids.push(
      await boss.work<BatchMessage>(QUEUES.batch, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds }, async ([job]: Job<BatchMessage>[]) => {
        if (job) await sendBatch(runtime, job.data.jobId, job.data.seq, { retryCount: job.retryCount, retryLimit: job.retryLimit });
      }),
    );
  }
  // Files dropped under dropzone/ in storage are uploaded by themselves, unless AU_DROPZONE=off.
  const dropzone = !background || runtime.env.AU_DROPZONE === 'off' ? undefined : await startDropzone(runtime, { intervalMs: settings.dropzoneIntervalSeconds * 1000 });
  // Schedules: runs each saved schedule when pg-boss's cron fires (messages on its au-schedule-<id> queue).
  const schedules = background ? await startScheduleWorker(runtime) : undefined;
  return {
    async stop() {
      await schedules?.stop();
      await dropzone?.stop();
      for (const id of ids) await boss.offWork({ id }).catch(() => undefined);
    },
  };
}
