import { recordAudit } from '../db/queries/audit.js';
import { listScheduleRows, type ScheduleRow } from '../db/queries/schedules.js';
import { describeError } from '../jobs/errors.js';
import type { Runtime } from '../jobs/runtime.js';
import { deleteScheduleQueue, fireSchedule, registerSchedule, scheduleQueue, SCHEDULE_QUEUE_PREFIX, type ScheduleMessage } from './schedules.js';

/** Schedules registered this long ago (or more) and still missing from pg-boss were left so by a crash: repaired. */
const REPAIR_AFTER_MS = 60_000;
const DEFAULT_POLLING_SECONDS = 10;
/** A leftover queue that still holds messages is tried again this often. */
const QUEUE_RETRY_MS = 10 * 60_000;

/**
 * The schedule side of a worker. Every `pollingIntervalSeconds` (AU_SCHEDULE_POLLING_SECONDS, default 10; pg-boss
 * itself checks cron expressions every 30 seconds) it
 * - takes the messages pg-boss's timekeeper put on each schedule's queue and runs the schedule (`fireSchedule`:
 *   submits its upload job, records the run, completes the message, in one transaction); a run that fails is
 *   failed in pg-boss (which retries it) and recorded in the audit log;
 * - keeps pg-boss's crons in step with the schedules table: registers one a crash left out, drops one whose
 *   schedule is gone (a schedule removed with its destination, or a removal interrupted half-way).
 */
export async function startScheduleWorker(runtime: Runtime, options: { pollingIntervalSeconds?: number } = {}): Promise<{ stop(): Promise<void> }> {
  const fromEnv = Number(runtime.env.AU_SCHEDULE_POLLING_SECONDS);
  const seconds = options.pollingIntervalSeconds ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_POLLING_SECONDS);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const leftovers = new Map<string, number>();

  const tick = async (): Promise<void> => {
    try {
      // pg-boss's crons first, then the rows: a cron registered after its row was read cannot look orphaned.
      const registered = await runtime.boss.getSchedules();
      const rows = await listScheduleRows(runtime.db);
      await reconcile(runtime, registered, rows);
      await dropLeftoverQueues(runtime, rows, leftovers);
      for (const row of rows) {
        if (stopped) return;
        if (row.enabled) await drain(runtime, row, () => stopped);
      }
    } catch (error) {
      report('schedules', error);
    }
  };
  const loop = (): void => {
    if (stopped) return;
    current = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, seconds * 1000);
    });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}

async function drain(runtime: Runtime, row: ScheduleRow, stopped: () => boolean): Promise<void> {
  const queue = scheduleQueue(row.id);
  while (!stopped()) {
    const [message] = await runtime.boss.fetch<ScheduleMessage>(queue, { batchSize: 1 });
    if (!message) return;
    try {
      const outcome = await fireSchedule(runtime, row.id, { trigger: 'cron', actor: 'scheduler', message: { queue, id: message.id } });
      if (outcome.skipped) process.stderr.write(`schedule "${row.name}": skipped, ${outcome.skipped}\n`);
    } catch (error) {
      const described = describeError(error);
      report(`schedule "${row.name}"`, error);
      await runtime.boss.fail(queue, message.id, described).catch(() => undefined);
      await recordAudit(runtime.db, { actor: 'scheduler', action: 'schedule.failed', targetType: 'schedule', targetId: row.id, details: { name: row.name, ...described } }).catch(() => undefined);
    }
  }
}

async function reconcile(runtime: Runtime, crons: readonly { name: string; cron: string; timezone?: string | null }[], rows: readonly ScheduleRow[]): Promise<void> {
  const registered = new Map(crons.map((schedule) => [schedule.name, schedule]));
  const known = new Set(rows.map((row) => scheduleQueue(row.id)));
  for (const row of rows) {
    const queue = scheduleQueue(row.id);
    const held = registered.get(queue);
    if (!row.enabled) {
      if (held) await runtime.boss.unschedule(queue);
      continue;
    }
    const inStep = held && held.cron === row.cron && (held.timezone ?? 'UTC') === row.timezone;
    // A schedule being created registers itself; only one left behind for a while is repaired here.
    if (!inStep && Date.now() - new Date(row.updatedAt).getTime() > REPAIR_AFTER_MS) {
      await registerSchedule(runtime, row).catch((error: unknown) => report(`schedule "${row.name}"`, error));
    }
  }
  for (const name of registered.keys()) {
    if (name.startsWith(SCHEDULE_QUEUE_PREFIX) && !known.has(name)) await runtime.boss.unschedule(name);
  }
}

/** Queues of schedules that no longer exist (removed with their destination, or not deletable at removal). */
async function dropLeftoverQueues(runtime: Runtime, rows: readonly ScheduleRow[], leftovers: Map<string, number>): Promise<void> {
  const known = new Set(rows.map((row) => scheduleQueue(row.id)));
  // Queues first listed, then the rows re-read: a queue created after the rows were read is not taken for a leftover.
  const queues = (await runtime.boss.getQueues()).map((queue) => queue.name).filter((name) => name.startsWith(SCHEDULE_QUEUE_PREFIX) && !known.has(name));
  if (queues.length === 0) return;
  const current = new Set((await listScheduleRows(runtime.db)).map((row) => scheduleQueue(row.id)));
  for (const queue of queues) {
    if (current.has(queue) || (leftovers.get(queue) ?? 0) > Date.now()) continue;
    if (await deleteScheduleQueue(runtime, queue)) leftovers.delete(queue);
    else leftovers.set(queue, Date.now() + QUEUE_RETRY_MS);
  }
}

function report(where: string, error: unknown): void {
  const { code, message } = describeError(error);
  process.stderr.write(`${where}: ${code}: ${message}\n`);
}
