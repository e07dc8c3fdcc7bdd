import type { BatchOutcome, PlannedBatch } from '../../destinations/definition.js';
import type { Queryable } from '../database.js';
import type { BatchState, JobMode, JobState, UploadJobSpec } from '../../jobs/spec.js';

/** The SQL of upload jobs and their batches. */

export interface JobRow {
  id: string;
  kind: string;
  state: JobState;
  platform: string;
  account: string | null;
  audience_name: string | null;
  platform_audience_id: string | null;
  mode: JobMode;
  options: UploadJobSpec;
  report: Record<string, unknown> | null;
  summary: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  session_id: string | null;
  work_prefix: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface BatchRow {
  job_id: string;
  seq: number;
  kind: PlannedBatch['kind'];
  files: string[];
  rows: number;
  checksum: string;
  params: Record<string, unknown>;
  depends_on: number[];
  state: BatchState;
  attempts: number;
  outcome: BatchOutcome | null;
  last_error: { code: string; message: string } | null;
}

const JOB_COLUMNS = `id::text AS id, kind, state, platform, account, audience_name, platform_audience_id, mode, options, report,
  summary, error, session_id, work_prefix, created_by, created_at, updated_at, started_at, finished_at`;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

export async function insertJob(q: Queryable, job: { kind: string; spec: UploadJobSpec; createdBy: string }): Promise<JobRow> {
  const rows = await q.query<JobRow>(
    `INSERT INTO jobs (kind, state, platform, audience_name, mode, options, created_by, created_at, updated_at)
     VALUES ($1, 'queued', $2, $3, $4, $5::jsonb, $6, now(), now()) RETURNING ${JOB_COLUMNS}`,
    [job.kind, job.spec.platform, 'name' in job.spec.audience ? job.spec.audience.name : null, job.spec.mode, json(job.spec), job.createdBy],
  );
  return rows[0]!;
}

export async function getJob(q: Queryable, id: string): Promise<JobRow | null> {
  const rows = await q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id::text = $1`, [id]);
  return rows[0] ?? null;
}

/** The row locked for the rest of the transaction: state changes of one job are serialized. */
export async function lockJob(q: Queryable, id: string): Promise<JobRow | null> {
  const rows = await q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id::text = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

export async function listJobs(q: Queryable, options: { limit: number; state?: JobState }): Promise<JobRow[]> {
  return q.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM jobs WHERE ($1::text IS NULL OR state = $1) ORDER BY created_at DESC, id DESC LIMIT $2`,
    [options.state ?? null, options.limit],
  );
}

export async function setJobState(
  q: Queryable,
  id: string,
  state: JobState,
  fields: { error?: { code: string; message: string } | null; summary?: unknown; finished?: boolean; started?: boolean } = {},
): Promise<void> {
  await q.query(
    `UPDATE jobs SET state = $2, updated_at = now(),
       error = CASE WHEN $3::boolean THEN $4::jsonb ELSE error END,
       summary = COALESCE($5::jsonb, summary),
       started_at = CASE WHEN $6::boolean THEN COALESCE(started_at, now()) ELSE started_at END,
       finished_at = CASE WHEN $7::boolean THEN now() ELSE finished_at END
     WHERE id::text = $1`,
    [id, state, fields.error !== undefined, json(fields.error), json(fields.summary), Boolean(fields.started), Boolean(fields.finished)],
  );
}

export async function setJobPrepared(
  q: Queryable,
  id: string,
  fields: { account: string; platformAudienceId: string | null; sessionId: string; workPrefix: string; report: unknown },
): Promise<void> {
  await q.query(
    `UPDATE jobs SET state = 'uploading', account = $2, platform_audience_id = $3, session_id = $4, work_prefix = $5,
       report = $6::jsonb, prepared_at = now(), updated_at = now() WHERE id::text = $1`,
    [id, fields.account, fields.platformAudienceId, fields.sessionId, fields.workPrefix, json(fields.report)],
  );
}

export async function setJobAudience(q: Queryable, id: string, platformAudienceId: string): Promise<void> {
  await q.query(`UPDATE jobs SET platform_audience_id = $2, updated_at = now() WHERE id::text = $1`, [id, platformAudienceId]);
}

export async function insertBatches(q: Queryable, jobId: string, plan: readonly PlannedBatch[]): Promise<void> {
  // One statement for the whole plan: tens of thousands of batches for the biggest uploads.
  await q.query(
    `INSERT INTO batches (job_id, seq, kind, files, rows, checksum, params, depends_on, state, attempts, updated_at)
     SELECT j.id, b.seq, b.kind, b.files, b.rows, b.checksum, b.params,
            ARRAY(SELECT jsonb_array_elements_text(b.depends_on)::int), 'pending', 0, now()
     FROM jobs j, jsonb_to_recordset($2::jsonb) AS b(seq int, kind text, files jsonb, rows int, checksum text, params jsonb, depends_on jsonb)
     WHERE j.id::text = $1`,
    [jobId, JSON.stringify(plan.map((b) => ({ seq: b.seq, kind: b.kind, files: b.files, rows: b.rows, checksum: b.checksum, params: b.params, depends_on: b.dependsOn })))],
  );
}

const BATCH_COLUMNS = `job_id::text AS job_id, seq, kind, files, rows, checksum, params, depends_on, state, attempts, outcome, last_error`;

export async function lockBatch(q: Queryable, jobId: string, seq: number): Promise<BatchRow | null> {
  const rows = await q.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE job_id::text = $1 AND seq = $2 FOR UPDATE`, [jobId, seq]);
  return rows[0] ?? null;
}

export async function listBatches(q: Queryable, jobId: string): Promise<BatchRow[]> {
  return q.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE job_id::text = $1 ORDER BY seq`, [jobId]);
}

/** Outcomes of the job's finished batches, which later batches build on (TikTok file paths). */
export async function doneOutcomes(q: Queryable, jobId: string): Promise<Map<number, BatchOutcome>> {
  const rows = await q.query<{ seq: number; outcome: BatchOutcome | null }>(
    `SELECT seq, outcome FROM batches WHERE job_id::text = $1 AND state = 'done' ORDER BY seq`,
    [jobId],
  );
  return new Map(rows.map((row) => [row.seq, row.outcome ?? {}]));
}

export async function markBatchSending(q: Queryable, jobId: string, seq: number): Promise<void> {
  await q.query(`UPDATE batches SET state = 'sending', attempts = attempts + 1, updated_at = now() WHERE job_id::text = $1 AND seq = $2`, [jobId, seq]);
}

export async function markBatchDone(q: Queryable, jobId: string, seq: number, outcome: BatchOutcome): Promise<void> {
  await q.query(`UPDATE batches SET state = 'done', outcome = $3::jsonb, last_error = NULL, updated_at = now() WHERE job_id::text = $1 AND seq = $2`, [
    jobId,
    seq,
    json(outcome),
  ]);
}

export async function markBatchFailed(q: Queryable, jobId: string, seq: number, state: 'pending' | 'failed' | 'dead', error: { code: string; message: string }): Promise<void> {
  await q.query(`UPDATE batches SET state = $3, last_error = $4::jsonb, updated_at = now() WHERE job_id::text = $1 AND seq = $2`, [jobId, seq, state, json(error)]);
}

/** Pending batches whose dependencies are all done: the ones to queue now. */
export async function readyBatches(q: Queryable, jobId: string): Promise<number[]> {
  const rows = await q.query<{ seq: number }>(
    `SELECT b.seq FROM batches b
     WHERE b.job_id::text = $1 AND b.state = 'pending'
       AND NOT EXISTS (
         SELECT 1 FROM batches d
         WHERE d.job_id = b.job_id AND d.seq = ANY (b.depends_on) AND d.state <> 'done')
     ORDER BY b.seq`,
    [jobId],
  );
  return rows.map((row) => row.seq);
}

export async function batchCounts(q: Queryable, jobId: string): Promise<Record<BatchState, number>> {
  const rows = await q.query<{ state: BatchState; n: number }>(`SELECT state, count(*)::int AS n FROM batches WHERE job_id::text = $1 GROUP BY state`, [jobId]);
  const counts: Record<BatchState, number> = { pending: 0, queued: 0, sending: 0, done: 0, failed: 0, dead: 0 };
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}

export async function markBatchesQueued(q: Queryable, jobId: string, seqs: readonly number[]): Promise<void> {
  await q.query(`UPDATE batches SET state = 'queued', updated_at = now() WHERE job_id::text = $1 AND seq = ANY ($2::int[])`, [jobId, seqs]);
}

/** Failed and dead batches back to pending, for `jobs retry`. */
export async function resetFailedBatches(q: Queryable, jobId: string): Promise<number> {
  const rows = await q.query<{ seq: number }>(
    `UPDATE batches SET state = 'pending', attempts = 0, updated_at = now() WHERE job_id::text = $1 AND state IN ('failed', 'dead', 'sending') RETURNING seq`,
    [jobId],
  );
  return rows.length;
}

/**
 * The audience id an earlier job of this installation used for this name (the one it created, or found): the id,
 * not a name search, identifies "our" audience, since TikTok allows duplicate names.
 */
export async function knownAudienceId(q: Queryable, platform: string, account: string, name: string): Promise<string | undefined> {
  const rows = await q.query<{ id: string }>(
    `SELECT platform_audience_id AS id FROM jobs
     WHERE platform = $1 AND account = $2 AND audience_name = $3 AND platform_audience_id IS NOT NULL AND NOT audience_id_stale
     ORDER BY created_at DESC LIMIT 1`,
    [platform, account, name],
  );
  return rows[0]?.id;
}

/** Forgets a stored audience id that no longer exists on the platform. */
export async function forgetAudienceId(q: Queryable, platform: string, account: string, name: string): Promise<void> {
  await q.query(`UPDATE jobs SET audience_name = NULL WHERE platform = $1 AND account = $2 AND audience_name = $3 AND state IN ('done', 'failed', 'dead', 'cancelled')`, [
    platform,
    account,
    name,
  ]);
}

/** The saved destination and the schedule a job was submitted for (history keeps them; both are SET NULL on delete). */
export async function setJobLinks(q: Queryable, id: string, links: { destinationId?: number; scheduleId?: number }): Promise<void> {
  await q.query(`UPDATE jobs SET destination_id = COALESCE($2, destination_id), schedule_id = COALESCE($3, schedule_id) WHERE id::text = $1`, [
    id,
    links.destinationId ?? null,
    links.scheduleId ?? null,
  ]);
}

/**
 * Finished jobs whose batch files are still kept: those that did not succeed, past the retention period, and
 * done ones whose cleanup a crash interrupted (after an hour, so a cleanup in progress is not raced).
 */
export async function jobsPastRetention(q: Queryable, days: number): Promise<{ id: string; work_prefix: string }[]> {
  return q.query<{ id: string; work_prefix: string }>(
    `SELECT id::text AS id, work_prefix FROM jobs
     WHERE work_prefix IS NOT NULL
       AND ((state IN ('failed', 'dead', 'cancelled') AND COALESCE(finished_at, updated_at) < now() - $1 * interval '1 day')
         OR (state = 'done' AND finished_at < now() - interval '1 hour'))`,
    [days],
  );
}

export async function forgetWorkFiles(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE jobs SET work_prefix = NULL, updated_at = now() WHERE id::text = $1`, [id]);
}

// --- Reads of the REST API (job lists, details, dashboards) and the links it records.

/** A job as the API shows it: the row, its links, and its batch counts by state. */
export interface JobListRow extends JobRow {
  destination_id: number | null;
  destination_name: string | null;
  dataset_id: number | null;
  schedule_id: number | null;
  prepared_at: Date | null;
  batch_counts: Record<BatchState, number>;
}

const JOB_LIST_COLUMNS = `j.id::text AS id, j.kind, j.state, j.platform, j.account, j.audience_name, j.platform_audience_id, j.mode,
  j.options, j.report, j.summary, j.error, j.session_id, j.work_prefix, j.created_by, j.created_at, j.updated_at, j.started_at,
  j.finished_at, j.destination_id, d.name AS destination_name, j.dataset_id, j.schedule_id, j.prepared_at,
  (SELECT jsonb_build_object(
      'pending', count(*) FILTER (WHERE b.state = 'pending'), 'queued', count(*) FILTER (WHERE b.state = 'queued'),
      'sending', count(*) FILTER (WHERE b.state = 'sending'), 'done', count(*) FILTER (WHERE b.state = 'done'),
      'failed', count(*) FILTER (WHERE b.state = 'failed'), 'dead', count(*) FILTER (WHERE b.state = 'dead'))
   FROM batches b WHERE b.job_id = j.id) AS batch_counts`;

export interface JobListFilters {
  limit: number;
  state?: JobState;
  platform?: string;
  destinationId?: number;
  createdBy?: string;
  /** A part of the audience name (any case), or the start of the job id. */
  search?: string;
  /** Jobs older than this one (keyset paging: pass the last id of the previous page). */
  before?: string;
}

/** Newest first, keyset-paged on (created_at, id). */
export async function listJobsForApi(q: Queryable, filters: JobListFilters): Promise<JobListRow[]> {
  const params: unknown[] = [Math.min(Math.max(Math.trunc(filters.limit), 1), 500)];
  const where: string[] = [];
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filters.state !== undefined) where.push(`j.state = ${add(filters.state)}`);
  if (filters.platform !== undefined) where.push(`j.platform = ${add(filters.platform)}`);
  if (filters.destinationId !== undefined) where.push(`j.destination_id = ${add(filters.destinationId)}`);
  if (filters.createdBy !== undefined) where.push(`j.created_by = ${add(filters.createdBy)}`);
  if (filters.search !== undefined && filters.search !== '') {
    const escaped = filters.search.replace(/[\\%_]/g, (c) => `\\${c}`);
    const contains = add(`%${escaped}%`);
    const starts = add(`${escaped.toLowerCase()}%`);
    where.push(`(j.audience_name ILIKE ${contains} OR j.id::text LIKE ${starts})`);
  }
  if (filters.before !== undefined) {
    where.push(`(j.created_at, j.id) < (SELECT created_at, id FROM jobs WHERE id::text = ${add(filters.before)})`);
  }
  return q.query<JobListRow>(
    `SELECT ${JOB_LIST_COLUMNS} FROM jobs j LEFT JOIN destinations d ON d.id = j.destination_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY j.created_at DESC, j.id DESC LIMIT $1`,
    params,
  );
}

export async function getJobForApi(q: Queryable, id: string): Promise<JobListRow | null> {
  const rows = await q.query<JobListRow>(`SELECT ${JOB_LIST_COLUMNS} FROM jobs j LEFT JOIN destinations d ON d.id = j.destination_id WHERE j.id::text = $1`, [id]);
  return rows[0] ?? null;
}

/** A batch with the time of its last change (for a finished batch: when it finished). */
export interface BatchTimelineRow extends BatchRow {
  updated_at: Date;
}

export async function listBatchTimeline(q: Queryable, jobId: string): Promise<BatchTimelineRow[]> {
  return q.query<BatchTimelineRow>(`SELECT ${BATCH_COLUMNS}, updated_at FROM batches WHERE job_id::text = $1 ORDER BY seq`, [jobId]);
}

/** Changes whenever the job or one of its batches changes: what a live view polls before reading the whole job. */
export async function jobChangeMark(q: Queryable, jobId: string): Promise<string | null> {
  const rows = await q.query<{ mark: string }>(
    `SELECT j.state || ':' || (extract(epoch FROM j.updated_at) * 1000000)::bigint::text || ':' ||
            coalesce((SELECT count(*)::text || ':' || coalesce((extract(epoch FROM max(b.updated_at)) * 1000000)::bigint::text, '')
                      FROM batches b WHERE b.job_id = j.id), '') AS mark
     FROM jobs j WHERE j.id::text = $1`,
    [jobId],
  );
  return rows[0]?.mark ?? null;
}

/** How many jobs are in each state. */
export async function jobStateCounts(q: Queryable): Promise<Record<JobState, number>> {
  const rows = await q.query<{ state: JobState; n: number }>(`SELECT state, count(*)::int AS n FROM jobs GROUP BY state`);
  const counts: Record<JobState, number> = { queued: 0, preparing: 0, uploading: 0, done: 0, failed: 0, dead: 0, cancelled: 0 };
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}

/** The dataset a job was submitted from. */
export async function setJobDataset(q: Queryable, id: string, datasetId: number): Promise<void> {
  await q.query(`UPDATE jobs SET dataset_id = $2 WHERE id::text = $1`, [id, datasetId]);
}

/**
 * Marks every audience id remembered for this platform account as stale, so `knownAudienceId` no longer offers
 * it (a sandbox forgot its audiences when it stopped, and hands out the same ids again). Returns how many jobs.
 */
export async function markAudienceIdsStale(q: Queryable, platform: string, account: string): Promise<number> {
  const rows = await q.query<{ id: string }>(
    `UPDATE jobs SET audience_id_stale = true WHERE platform = $1 AND account = $2 AND platform_audience_id IS NOT NULL AND NOT audience_id_stale RETURNING id::text AS id`,
    [platform, account],
  );
  return rows.length;
}

/** Ids of the unfinished jobs that send to one of these saved destinations. */
export async function unfinishedJobsOfDestinations(q: Queryable, destinationIds: readonly number[]): Promise<string[]> {
  if (destinationIds.length === 0) return [];
  const rows = await q.query<{ id: string }>(
    `SELECT id::text AS id FROM jobs WHERE destination_id = ANY ($1::bigint[]) AND state NOT IN ('done', 'failed', 'dead', 'cancelled') ORDER BY created_at`,
    [destinationIds],
  );
  return rows.map((row) => row.id);
}
