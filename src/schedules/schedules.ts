import type { Queryable } from '../db/database.js';
import { recordAudit } from '../db/queries/audit.js';
import type { JobRow } from '../db/queries/jobs.js';
import {
  deleteSchedule,
  getScheduleByName,
  insertSchedule,
  lastScheduledJobs,
  listScheduleRows,
  lockSchedule,
  markScheduleRun,
  type ScheduleRow,
} from '../db/queries/schedules.js';
import { isForeignKeyViolation, sqlState } from '../db/sql-errors.js';
import { getDestination } from '../destinations/registry.js';
import { getSavedDestination } from '../destinations/saved.js';
import { AuError, isAuError } from '../errors.js';
import { bossTx } from '../jobs/boss-tx.js';
import { queueUploadJob } from '../jobs/client.js';
import type { Runtime } from '../jobs/runtime.js';
import { FINAL_JOB_STATES, uploadJobSpecSchema, type JobState, type UploadJobSpec } from '../jobs/spec.js';
import { safeKey } from '../storage/keys.js';
import { validateMapping } from '../transform/mapping.js';

/**
 * Schedules: a saved upload job spec (inputs in storage, mapping, destination, audience, mode: usually mirror) that
 * runs on a cron expression. pg-boss keeps the cron (one pg-boss schedule per queue name in pg-boss 10, so each
 * schedule has its own queue `au-schedule-<id>`); its timekeeper puts a message on that queue when the expression
 * is due, and a worker (`startScheduleWorker`) turns the message into an upload job, records the run and completes
 * the message in one transaction.
 */

export const SCHEDULE_QUEUE_PREFIX = 'au-schedule-';

export function scheduleQueue(id: number): string {
  return `${SCHEDULE_QUEUE_PREFIX}${id}`;
}

/** The payload of the pg-boss schedule, and of each message it sends. */
export interface ScheduleMessage {
  scheduleId: number;
}

export interface ScheduleInput {
  name: string;
  /** Five fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly. */
  cron: string;
  /** IANA time zone the expression is read in (default UTC). */
  timezone?: string;
  spec: UploadJobSpec;
}

export interface Schedule {
  id: number;
  name: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  /** The pg-boss queue its runs go through. */
  queue: string;
  /** Whether pg-boss holds its cron (false only briefly, or after a failure the worker repairs). */
  registered: boolean;
  spec: UploadJobSpec;
  /** The saved destination it sends to; null when the worker's environment supplies the credentials. */
  destination: { id: number; name: string } | null;
  lastRunAt: Date | null;
  lastJob: { id: string; state: JobState; createdAt: Date } | null;
  createdBy: string | null;
  createdAt: Date;
}

const CRON_ALIASES = ['@yearly', '@monthly', '@weekly', '@daily', '@hourly'];
const CRON_EXAMPLE =
  'use five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *" (03:00 every day) or "*/15 * * * *" (every 15 minutes), or @hourly, @daily, @weekly, @monthly';
const MAX_NAME_LENGTH = 100;

function invalidCron(cron: string, reason: string, cause?: unknown): AuError {
  return new AuError('AU_SCHEDULE_INVALID', `The cron expression ${JSON.stringify(cron)} is not valid (${reason}): ${CRON_EXAMPLE}`, { cron }, { cause });
}

/**
 * What pg-boss's parser (cron-parser) accepts but would surprise: a sixth field is read as seconds (pg-boss runs
 * schedules at most once a minute), fewer fields are padded, an empty expression means every minute. The field
 * values themselves are checked by pg-boss when the schedule is registered.
 */
function checkCronShape(cron: unknown): string {
  if (typeof cron !== 'string' || cron.trim() === '') throw invalidCron(String(cron ?? ''), 'it is empty');
  const trimmed = cron.trim().replace(/\s+/g, ' ');
  if (trimmed.startsWith('@')) {
    if (!CRON_ALIASES.includes(trimmed.toLowerCase())) throw invalidCron(cron, `unknown shortcut ${trimmed}`);
    return trimmed.toLowerCase();
  }
  const fields = trimmed.split(' ').length;
  if (fields !== 5) throw invalidCron(cron, `it has ${fields} field${fields === 1 ? '' : 's'}, not 5`);
  return trimmed;
}

function checkTimezone(timezone: string | undefined): string {
  const zone = timezone?.trim() || 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new AuError('AU_SCHEDULE_INVALID', `Unknown time zone ${JSON.stringify(zone)}: use an IANA name such as UTC, Europe/Paris or America/New_York`, { timezone: zone });
  }
  return zone;
}

function checkName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '') throw new AuError('AU_SCHEDULE_INVALID', 'A schedule needs a name');
  if (trimmed.length > MAX_NAME_LENGTH) throw new AuError('AU_SCHEDULE_INVALID', `A schedule name has at most ${MAX_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new AuError('AU_SCHEDULE_INVALID', 'A schedule name cannot contain control characters');
  return trimmed;
}

/** The job spec a schedule will submit, checked now rather than at 3 a.m.: platform, mapping, storage keys, destination. */
async function checkSpec(q: Queryable, spec: unknown): Promise<UploadJobSpec> {
  const parsed = uploadJobSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'spec'}: ${issue.message}`).join('; ');
    throw new AuError('AU_SCHEDULE_INVALID', `The schedule's job is not valid: ${issues}`);
  }
  const checked = parsed.data;
  const definition = getDestination(checked.platform);
  validateMapping(
    checked.mappings,
    checked.mappings.map((mapping) => mapping.column),
    definition.profile,
  );
  if (!('storage' in checked.inputs)) {
    throw new AuError('AU_SCHEDULE_INVALID', 'A schedule reads its input from storage (storage keys), not from local paths of one machine');
  }
  const storage = checked.inputs.storage.map((key) => safeKey(key));
  if (storage.some((key) => key === '')) throw new AuError('AU_SCHEDULE_INVALID', 'A schedule input cannot be the whole storage root: name a file or a folder');
  if (checked.destinationId !== undefined) {
    const destination = await getSavedDestination(q, checked.destinationId);
    if (destination.platform !== definition.platform) {
      throw new AuError('AU_SCHEDULE_INVALID', `The job is for ${definition.label}, but the saved destination "${destination.name}" is ${destination.label}`);
    }
  }
  return { ...checked, platform: definition.platform, inputs: { storage } };
}

/** True for an error pg-boss raised before touching the database: its cron parser, or its argument checks. */
function isValidationError(error: unknown): boolean {
  return !isAuError(error) && sqlState(error) === undefined && error instanceof Error;
}

async function ensureQueue(runtime: Runtime, queue: string): Promise<void> {
  if (await runtime.boss.getQueue(queue)) return;
  // A firing is quick; a crashed worker's message is taken over after 5 minutes.
  await runtime.boss.createQueue(queue, { name: queue, retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 300 }).catch(async (error: unknown) => {
    if (!(await runtime.boss.getQueue(queue))) throw error;
  });
}

/** Registers (or updates) the pg-boss cron of a schedule row. pg-boss validates the expression here. */
export async function registerSchedule(runtime: Runtime, row: Pick<ScheduleRow, 'id' | 'cron' | 'timezone'>): Promise<void> {
  const queue = scheduleQueue(row.id);
  await ensureQueue(runtime, queue);
  const message: ScheduleMessage = { scheduleId: row.id };
  try {
    await runtime.boss.schedule(queue, row.cron, message, { tz: row.timezone });
  } catch (error) {
    if (isValidationError(error)) throw invalidCron(row.cron, (error as Error).message, error);
    throw error;
  }
}

async function unregisterSchedule(runtime: Runtime, id: number): Promise<void> {
  const queue = scheduleQueue(id);
  await runtime.boss.unschedule(queue);
  await deleteScheduleQueue(runtime, queue);
}

/**
 * Deletes a schedule's queue. pg-boss 10 cannot delete a queue that still holds messages (a failed run's, until
 * pg-boss archives it): false then, and the schedule worker tries again later.
 */
export async function deleteScheduleQueue(runtime: Runtime, queue: string): Promise<boolean> {
  try {
    await runtime.boss.deleteQueue(queue);
    return true;
  } catch (error) {
    if (isForeignKeyViolation(error)) return false;
    throw error;
  }
}

/**
 * Saves a schedule and registers its cron with pg-boss. AU_SCHEDULE_INVALID for an expression that does not parse
 * (naming it, with an example of a valid one), an unknown time zone or an invalid job; AU_ALREADY_EXISTS for a taken
 * name. Nothing is left behind when it fails.
 */
export async function createSchedule(runtime: Runtime, input: ScheduleInput, options: { actor?: string } = {}): Promise<Schedule> {
  const name = checkName(input.name);
  const cron = checkCronShape(input.cron);
  const timezone = checkTimezone(input.timezone);
  const actor = options.actor ?? 'cli';
  const { row, spec } = await runtime.db.transaction(async (tx) => {
    const spec = await checkSpec(tx, input.spec);
    const row = await insertSchedule(tx, {
      name,
      cron,
      timezone,
      destinationId: spec.destinationId ?? null,
      audienceName: 'name' in spec.audience ? spec.audience.name : `id:${spec.audience.id}`,
      mode: spec.mode,
      mapping: spec.mappings,
      options: { spec },
      createdBy: actor,
    });
    return { row, spec };
  });
  try {
    await registerSchedule(runtime, row);
  } catch (error) {
    await runtime.boss.unschedule(scheduleQueue(row.id)).catch(() => undefined);
    await runtime.boss.deleteQueue(scheduleQueue(row.id)).catch(() => undefined);
    await deleteSchedule(runtime.db, row.id);
    throw error;
  }
  await recordAudit(runtime.db, {
    actor,
    action: 'schedule.created',
    targetType: 'schedule',
    targetId: row.id,
    details: { name, cron, timezone, platform: spec.platform, destinationId: row.destinationId, audience: row.audienceName, mode: row.mode },
  });
  return getSchedule(runtime, name);
}

/** Every schedule, by name, with its last run and whether pg-boss holds its cron. */
export async function listSchedules(runtime: Runtime): Promise<Schedule[]> {
  const rows = await listScheduleRows(runtime.db);
  return views(runtime, rows);
}

export async function getSchedule(runtime: Runtime, name: string): Promise<Schedule> {
  const row = await getScheduleByName(runtime.db, name.trim());
  if (!row) throw notFound(name);
  return (await views(runtime, [row]))[0]!;
}

/** Deletes a schedule and its pg-boss cron and queue; the jobs it ran stay in the history. */
export async function removeSchedule(runtime: Runtime, name: string, options: { actor?: string } = {}): Promise<Schedule> {
  const schedule = await getSchedule(runtime, name);
  await runtime.db.transaction(async (tx) => {
    if (!(await deleteSchedule(tx, schedule.id))) throw notFound(name);
    await recordAudit(tx, { actor: options.actor ?? 'cli', action: 'schedule.removed', targetType: 'schedule', targetId: schedule.id, details: { name: schedule.name } });
  });
  await unregisterSchedule(runtime, schedule.id);
  return { ...schedule, registered: false };
}

/**
 * Runs a schedule now, as its cron would: submits its job and records the run. AU_JOB_STATE while its previous job
 * is unfinished (two mirrors of one audience must not overlap).
 */
export async function runScheduleNow(runtime: Runtime, name: string, options: { actor?: string } = {}): Promise<JobRow> {
  const schedule = await getSchedule(runtime, name);
  const outcome = await fireSchedule(runtime, schedule.id, { trigger: 'manual', actor: options.actor ?? 'cli' });
  return outcome.job!;
}

export interface FireOutcome {
  job: JobRow | null;
  /** Why no job was submitted. */
  skipped?: string;
}

/**
 * One run of a schedule: submits its job (linked to the schedule) unless the previous one is unfinished, records
 * `last_run_at` and an audit entry, and completes the pg-boss message, all in one transaction: a run is recorded
 * exactly when its job exists, and a redelivered message finds it done. A cron run that cannot start is skipped
 * (and audited); a manual one throws.
 */
export async function fireSchedule(
  runtime: Runtime,
  scheduleId: number,
  trigger: { trigger: 'cron' | 'manual'; actor: string; message?: { queue: string; id: string } },
): Promise<FireOutcome> {
  return runtime.db.transaction(async (tx) => {
    // The run's record is ours (jobs, audit log): the message is deleted, not completed, so pg-boss keeps nothing
    // that would stop the schedule's queue from being deleted with it.
    const complete = async () => {
      if (trigger.message) await runtime.boss.deleteJob(trigger.message.queue, trigger.message.id, { db: bossTx(tx) });
    };
    const row = await lockSchedule(tx, scheduleId);
    if (!row || !row.enabled) {
      if (trigger.trigger === 'manual') throw row ? new AuError('AU_JOB_STATE', `The schedule "${row.name}" is disabled`) : notFound(String(scheduleId));
      await complete();
      return { job: null, skipped: row ? 'it is disabled' : 'it was removed' };
    }
    const previous = (await lastScheduledJobs(tx, row.id)).get(row.id);
    if (previous && !FINAL_JOB_STATES.has(previous.state)) {
      const skipped = `its previous job ${previous.id} is still ${previous.state}`;
      if (trigger.trigger === 'manual') throw new AuError('AU_JOB_STATE', `The schedule "${row.name}" did not run: ${skipped}`, { jobId: previous.id });
      await recordAudit(tx, { actor: trigger.actor, action: 'schedule.skipped', targetType: 'schedule', targetId: row.id, details: { name: row.name, trigger: trigger.trigger, jobId: previous.id, reason: 'previous run unfinished' } });
      await complete();
      return { job: null, skipped };
    }
    const parsed = uploadJobSpecSchema.safeParse(row.options.spec);
    if (!parsed.success) throw new AuError('AU_SCHEDULE_INVALID', `The schedule "${row.name}" holds a job this version cannot read; remove it and add it again`);
    const job = await queueUploadJob(runtime, tx, parsed.data, trigger.trigger === 'cron' ? 'scheduler' : trigger.actor, { scheduleId: row.id });
    await markScheduleRun(tx, row.id);
    await recordAudit(tx, { actor: trigger.trigger === 'cron' ? 'scheduler' : trigger.actor, action: 'schedule.run', targetType: 'schedule', targetId: row.id, details: { name: row.name, trigger: trigger.trigger, jobId: job.id } });
    await complete();
    return { job };
  });
}

async function views(runtime: Runtime, rows: readonly ScheduleRow[]): Promise<Schedule[]> {
  if (rows.length === 0) return [];
  // pg-boss's rows have a timezone column its types do not declare.
  const crons = (await runtime.boss.getSchedules()) as { name: string; cron: string; timezone?: string | null }[];
  const registered = new Map(crons.map((schedule) => [schedule.name, schedule]));
  const lastJobs = await lastScheduledJobs(runtime.db, rows.length === 1 ? rows[0]!.id : undefined);
  const destinations = new Map<number, string>();
  for (const id of new Set(rows.map((row) => row.destinationId).filter((id): id is number => id !== null))) {
    const [destination] = await runtime.db.query<{ name: string }>('SELECT name FROM destinations WHERE id = $1', [id]);
    if (destination) destinations.set(id, destination.name);
  }
  return rows.map((row) => {
    const boss = registered.get(scheduleQueue(row.id));
    return {
      id: row.id,
      name: row.name,
      cron: row.cron,
      timezone: row.timezone,
      enabled: row.enabled,
      queue: scheduleQueue(row.id),
      registered: boss !== undefined && boss.cron === row.cron && (boss.timezone ?? 'UTC') === row.timezone,
      spec: row.options.spec as UploadJobSpec,
      destination: row.destinationId === null ? null : { id: row.destinationId, name: destinations.get(row.destinationId) ?? `#${row.destinationId}` },
      lastRunAt: row.lastRunAt,
      lastJob: lastJobs.get(row.id) ?? null,
      createdBy: row.createdBy,
      createdAt: row.createdAt,
    };
  });
}

function notFound(name: string): AuError {
  return new AuError('AU_SCHEDULE_NOT_FOUND', `There is no schedule ${JSON.stringify(name)} (schedules list shows them)`, { name });
}
