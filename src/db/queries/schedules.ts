import { AuError } from '../../errors.js';
import type { Queryable } from '../database.js';
import type { JobState } from '../../jobs/spec.js';
import { isUniqueViolation } from '../sql-errors.js';

/** The SQL of schedules: a saved upload job spec that runs on a cron expression. */

export interface ScheduleRow {
  id: number;
  name: string;
  cron: string;
  timezone: string;
  destinationId: number | null;
  audienceName: string;
  mode: string;
  /** `{ spec: UploadJobSpec }`: the job each run submits. */
  options: { spec?: unknown } & Record<string, unknown>;
  enabled: boolean;
  lastRunAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewSchedule {
  name: string;
  cron: string;
  timezone: string;
  destinationId: number | null;
  audienceName: string;
  mode: string;
  mapping: unknown;
  options: Record<string, unknown>;
  createdBy: string;
}

const COLUMNS = `id, name, cron, timezone, destination_id AS "destinationId", audience_name AS "audienceName", mode, options, enabled,
  last_run_at AS "lastRunAt", created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function insertSchedule(q: Queryable, schedule: NewSchedule): Promise<ScheduleRow> {
  try {
    const [row] = await q.query<ScheduleRow>(
      `INSERT INTO schedules (name, cron, timezone, destination_id, audience_name, mode, mapping, options, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)
       RETURNING ${COLUMNS}`,
      [
        schedule.name,
        schedule.cron,
        schedule.timezone,
        schedule.destinationId,
        schedule.audienceName,
        schedule.mode,
        JSON.stringify(schedule.mapping),
        JSON.stringify(schedule.options),
        schedule.createdBy,
      ],
    );
    return row!;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AuError('AU_ALREADY_EXISTS', `A schedule named "${schedule.name}" already exists`, { name: schedule.name }, { cause: error });
    throw error;
  }
}

export async function listScheduleRows(q: Queryable): Promise<ScheduleRow[]> {
  return q.query<ScheduleRow>(`SELECT ${COLUMNS} FROM schedules ORDER BY name`);
}

export async function getScheduleByName(q: Queryable, name: string): Promise<ScheduleRow | undefined> {
  const [row] = await q.query<ScheduleRow>(`SELECT ${COLUMNS} FROM schedules WHERE name = $1`, [name]);
  return row;
}

/** The row locked for the rest of the transaction: two runs of one schedule are serialized. */
export async function lockSchedule(q: Queryable, id: number): Promise<ScheduleRow | undefined> {
  const [row] = await q.query<ScheduleRow>(`SELECT ${COLUMNS} FROM schedules WHERE id = $1 FOR UPDATE`, [id]);
  return row;
}

export async function deleteSchedule(q: Queryable, id: number): Promise<boolean> {
  return (await q.query('DELETE FROM schedules WHERE id = $1 RETURNING id', [id])).length > 0;
}

export async function markScheduleRun(q: Queryable, id: number): Promise<void> {
  await q.query('UPDATE schedules SET last_run_at = now(), updated_at = now() WHERE id = $1', [id]);
}

/** The newest job each schedule submitted. */
export async function lastScheduledJobs(q: Queryable, scheduleId?: number): Promise<Map<number, { id: string; state: JobState; createdAt: Date }>> {
  const rows = await q.query<{ scheduleId: number; id: string; state: JobState; createdAt: Date }>(
    `SELECT DISTINCT ON (schedule_id) schedule_id AS "scheduleId", id::text AS id, state, created_at AS "createdAt"
     FROM jobs WHERE schedule_id IS NOT NULL AND ($1::bigint IS NULL OR schedule_id = $1)
     ORDER BY schedule_id, created_at DESC, id DESC`,
    [scheduleId ?? null],
  );
  return new Map(rows.map(({ scheduleId: id, ...job }) => [id, job]));
}

export async function getScheduleById(q: Queryable, id: number): Promise<ScheduleRow | undefined> {
  const [row] = await q.query<ScheduleRow>(`SELECT ${COLUMNS} FROM schedules WHERE id = $1`, [id]);
  return row;
}

export async function countSchedules(q: Queryable): Promise<number> {
  const [row] = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM schedules');
  return row?.n ?? 0;
}
