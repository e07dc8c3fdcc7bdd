import type PgBoss from 'pg-boss';
import { prepareJob } from './prepare.js';
import type { Runtime } from './runtime.js';
import { sendBatch } from './send-batch.js';
import { QUEUES, type BatchMessage, type PrepareMessage } from './spec.js';

type Job<T> = PgBoss.JobWithMetadata<T>;

/**
 * Registers this process as a worker: it prepares upload jobs and sends batches, `batchConcurrency` at a time.
 * Every worker on every machine takes from the same queues; the database holds the state.
 */
export async function startWorker(runtime: Runtime): Promise<{ stop(): Promise<void> }> {
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
  return {
    async stop() {
      for (const id of ids) await boss.offWork({ id }).catch(() => undefined);
    },
  };
}
