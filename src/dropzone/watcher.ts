import type PgBoss from 'pg-boss';
import type { Runtime } from '../jobs/runtime.js';
import { scanDropzone, type DropzoneEvent, type ScanOptions } from './scan.js';

/**
 * Runs drop-zone scans on an interval, one scan at a time across every worker. Polling serves local folders and
 * S3 alike.
 *
 * One scanner: each worker, every interval, queues a scan message on the pg-boss queue `au-dropzone`, whose
 * `stately` policy keeps at most one scan queued and one active, and whose `singletonSeconds` keeps one scan per
 * interval however many workers queue one. Whichever worker fetches the message scans. A worker that dies
 * mid-scan holds the active slot until the message expires (`SCAN_EXPIRE_SECONDS`); nothing is lost, since every
 * step of a scan can be repeated. This needs no long-held connection (a session advisory lock would, and a pooled
 * connection cannot hold one), and works the same on PGlite and PostgreSQL.
 */
export const DROPZONE_QUEUE = 'au-dropzone';
const SCAN_EXPIRE_SECONDS = 15 * 60;

export interface DropzoneOptions extends Omit<ScanOptions, 'signal'> {
  /** How often a scan is queued (the worker passes `dropzoneIntervalSeconds`). */
  intervalMs: number;
}

export interface Dropzone {
  stop(): Promise<void>;
}

export async function startDropzone(runtime: Runtime, options: DropzoneOptions): Promise<Dropzone> {
  const { boss } = runtime;
  await ensureQueue(boss, { name: DROPZONE_QUEUE, policy: 'stately', retryLimit: 0, expireInSeconds: SCAN_EXPIRE_SECONDS });
  const onEvent = options.onEvent ?? logEvent;
  const controller = new AbortController();
  let running: Promise<unknown> | undefined;
  const workId = await boss.work(DROPZONE_QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, options.intervalMs / 1000) }, async () => {
    if (controller.signal.aborted) return;
    const scan = scanDropzone(runtime, { ...options, onEvent, signal: controller.signal });
    running = scan;
    try {
      await scan;
    } catch (error) {
      // A scan that could not list the drop zone (storage or database unreachable): the next one tries again.
      onEvent({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    } finally {
      running = undefined;
    }
  });
  const singletonSeconds = Math.floor(options.intervalMs / 1000);
  const tick = async () => {
    try {
      await boss.send(DROPZONE_QUEUE, {}, { retryLimit: 0, expireInSeconds: SCAN_EXPIRE_SECONDS, ...(singletonSeconds >= 1 ? { singletonSeconds } : {}) });
      // Fetch now rather than at the next poll (only this process's subscription; others poll).
      if (!controller.signal.aborted) boss.notifyWorker(workId);
    } catch (error) {
      if (!controller.signal.aborted) onEvent({ kind: 'error', message: `cannot queue a drop-zone scan: ${error instanceof Error ? error.message : String(error)}` });
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  void tick();
  return {
    async stop() {
      controller.abort();
      clearInterval(timer);
      await boss.offWork({ id: workId }).catch(() => undefined);
      await running?.catch(() => undefined);
    },
  };
}

/**
 * Creates the queue unless it exists. Workers starting at once may all find it missing: on PostgreSQL the losers get
 * a unique violation or a deadlock (createQueue takes locks), and the winner's queue may show only a moment later.
 */
async function ensureQueue(boss: PgBoss, queue: PgBoss.Queue): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(queue.name)) return;
    try {
      await boss.createQueue(queue.name, queue);
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}

/** The default report of a worker's drop zone: one line per file event. */
function logEvent(event: DropzoneEvent): void {
  const line = describeEvent(event);
  if (event.kind === 'error') process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}

export function describeEvent(event: DropzoneEvent): string {
  switch (event.kind) {
    case 'claimed':
      return `dropzone: took ${event.file}`;
    case 'submitted':
      return `dropzone: ${event.file}: ${event.hashes} hashes, job ${event.jobId}`;
    case 'processed':
      return `dropzone: ${event.file} uploaded (job ${event.jobId}) → ${event.to}`;
    case 'failed':
      return `dropzone: ${event.file} not uploaded (${event.code}: ${event.reason}) → ${event.to}`;
    case 'error':
      return `dropzone: ${[event.file ?? event.claim, event.message].filter(Boolean).join(': ')}`;
  }
}
