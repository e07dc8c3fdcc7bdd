import { getJobForApi, listBatchTimeline, type BatchTimelineRow, type JobListRow } from '../../db/queries/jobs.js';
import type { PlannedBatch } from '../../destinations/definition.js';
import { AuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { FINAL_JOB_STATES, type BatchState, type JobMode, type JobState } from '../../jobs/spec.js';
import { summaryOfJob } from '../../jobs/summary.js';
import type { TransformReport } from '../../transform/report.js';
import { iso } from './common.js';

/** Jobs as the API shows them: the list item, and the detail with summary, batches, progress and ETA. */


/** What to do about a job's error, in plain words, by code. */
export const ERROR_HINTS: Partial<Record<string, string>> = {
  AU_AUTH_FAILED: 'the platform refused the credentials: rotate them on the Destinations page, then Retry',
  AU_CREDENTIALS_MISSING: "the destination's credentials are incomplete: save them again on the Destinations page, then Retry",
  AU_PERMISSION_DENIED: 'the credentials may not use this account or audience: check the account id and the permissions of the token, then Retry',
  AU_VAULT_KEY_MISMATCH: "the server's master key is not the one the credentials were saved with: restore AU_MASTER_KEY, or save the credentials again",
  AU_VAULT_CORRUPT: "the stored credentials cannot be read: save them again on the Destinations page, then Retry",
  AU_PLATFORM_UNAVAILABLE: 'the platform kept failing; Retry later',
  AU_PLATFORM_REJECTED: "the platform refused a request: read its message, fix the cause (mapping, audience), then upload again",
  AU_AUDIENCE_TOO_SMALL: 'the platform needs more members than this upload has: add rows or identifiers, or send it to a bigger audience',
  AU_AUDIENCE_NOT_FOUND: 'the audience no longer exists on the platform: upload to a new audience by name',
  AU_AUDIENCE_AMBIGUOUS: 'several audiences have this name on the platform: pick one from the list of existing audiences',
  AU_AUDIENCE_BUSY: 'the platform is still processing an earlier change to this audience: Retry in a few minutes',
  AU_AUDIENCE_TYPE_MISMATCH: 'the audience holds other identifier types: map the same identifiers, or upload to a new audience',
  AU_AUDIENCE_INVALID: "the audience name is not accepted: shorten it or remove unusual characters",
  AU_DIFF_LAYOUT_CHANGED: 'the identifiers differ from the last mirror of this audience: run one upload in replace mode, then mirror again',
  AU_UPLOAD_INCOMPLETE: 'nothing valid was found to upload: check the column mapping in a preview',
  AU_MAPPING_COLUMN_MISSING: 'a mapped column is missing from the files: check the dataset and the mapping',
  AU_MAPPING_INVALID: 'the mapping does not fit the platform: check it in a preview',
  AU_MAPPING_UNSUPPORTED: 'the platform does not take one of the mapped identifiers: change the mapping',
  AU_STORAGE_NOT_FOUND: "the input files are no longer in storage: upload them again",
  AU_STORAGE_UNAVAILABLE: 'the storage could not be reached: Retry later',
  AU_STORAGE_DENIED: "the storage refused access: check the server's storage credentials, then Retry",
  AU_INPUT_NOT_FOUND: 'the input files are no longer in storage: upload them again',
  AU_INPUT_UNREADABLE: 'the input could not be read: check the file (format, encoding) and upload it again',
  AU_INPUT_CORRUPT: 'an input file is truncated or corrupt: export it again',
  AU_INPUT_ENCODING: 'an input file is not UTF-8 text: export it as UTF-8',
  AU_INPUT_MIXED_COLUMNS: 'the files of the dataset have different columns: choose files of one export',
  AU_DB_UNAVAILABLE: 'the database could not be reached: Retry later',
  AU_JOB_STATE: 'the job was stopped: submit the upload again if needed',
  AU_INTERNAL: 'an unexpected error: the server log has the details; Retry, and report it if it happens again',
};

export function hintFor(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  return ERROR_HINTS[code] ?? (code.startsWith('AU_INPUT_') ? 'the input could not be read: check the files of the dataset' : undefined);
}

export interface JobView {
  id: string;
  state: JobState;
  platform: string;
  destinationId: number | null;
  destinationName: string | null;
  audienceName: string | null;
  audienceId: string | null;
  mode: JobMode;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string; hint?: string } | null;
  batches: Record<BatchState, number> & { total: number };
  datasetId: number | null;
  inputs: string[];
}

export function jobView(row: JobListRow): JobView {
  const counts: Record<BatchState, number> = row.batch_counts ?? { pending: 0, queued: 0, sending: 0, done: 0, failed: 0, dead: 0 };
  const inputs = row.options?.inputs;
  const hint = hintFor(row.error?.code);
  const spec = row.options;
  return {
    id: row.id,
    state: row.state,
    platform: row.platform,
    destinationId: row.destination_id,
    destinationName: row.destination_name,
    audienceName: row.audience_name ?? (spec?.audience && 'name' in spec.audience ? spec.audience.name : null),
    audienceId: row.platform_audience_id ?? (spec?.audience && 'id' in spec.audience ? spec.audience.id : null),
    mode: row.mode,
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    error: row.error ? { code: row.error.code, message: row.error.message, ...(hint ? { hint } : {}) } : null,
    batches: { ...counts, total: Object.values(counts).reduce((sum, n) => sum + n, 0) },
    datasetId: row.dataset_id,
    inputs: inputs === undefined ? [] : 'storage' in inputs ? inputs.storage : inputs.local,
  };
}

export interface JobSummaryView {
  rows: number;
  valid: number;
  invalidByReason: Record<string, number>;
  duplicates: number;
  kept: number;
  received: number;
  rejected: number;
  rejectedSamples?: Record<string, string>;
  retries: number;
  /** Times the platform asked to wait (rate limits) while sending the accepted batches. */
  rateLimitWaits: number | null;
  stages: { name: 'prepare' | 'upload'; state: 'pending' | 'running' | 'done' | 'failed' | 'skipped'; startedAt: string | null; finishedAt: string | null }[];
  perColumn: { column: string; type: string; valid: number; empty: number; invalid: number; invalidByReason: Record<string, number> }[];
}

export interface JobDetail {
  job: JobView;
  summary: JobSummaryView | null;
  batches: { seq: number; kind: string; rows: number; state: BatchState; attempts: number; error: { code: string; message: string } | null; finishedAt: string | null }[];
  progress: { at: string; batchesDone: number; rowsDone: number }[];
  eta: number | null;
}

/** Batches that carry identifiers (TikTok applies, Meta row batches): what "rows done" counts. */
const ROW_BATCHES = new Set<PlannedBatch['kind']>(['apply-files', 'send-rows']);
const FINISHED_BATCH: ReadonlySet<BatchState> = new Set(['done', 'failed', 'dead']);

function stagesOf(row: JobListRow): JobSummaryView['stages'] {
  const failed = row.state === 'failed' || row.state === 'dead' || row.state === 'cancelled';
  const prepared = row.prepared_at !== null || row.work_prefix !== null;
  const prepare: JobSummaryView['stages'][number] = {
    name: 'prepare',
    state: prepared ? 'done' : failed ? 'failed' : row.state === 'preparing' ? 'running' : 'pending',
    startedAt: iso(row.started_at),
    finishedAt: iso(row.prepared_at) ?? (failed && !prepared ? iso(row.finished_at) : null),
  };
  const upload: JobSummaryView['stages'][number] = {
    name: 'upload',
    state: !prepared ? (failed ? 'skipped' : 'pending') : row.state === 'done' ? 'done' : failed ? 'failed' : 'running',
    startedAt: iso(row.prepared_at),
    finishedAt: prepared && FINAL_JOB_STATES.has(row.state) ? iso(row.finished_at) : null,
  };
  return [prepare, upload];
}

function summaryView(row: JobListRow, batches: readonly BatchTimelineRow[]): JobSummaryView | null {
  const summary = summaryOfJob(row, batches);
  if (!summary) return null;
  const report = row.report as unknown as TransformReport;
  const perColumn = report.columns.map((column) => {
    const invalidByReason: Record<string, number> = {};
    for (const [reason, count] of Object.entries(column.invalid)) invalidByReason[reason] = count ?? 0;
    return {
      column: column.column,
      type: column.identifier,
      valid: column.valid,
      empty: column.empty,
      invalid: Object.values(invalidByReason).reduce((sum, n) => sum + n, 0),
      invalidByReason,
    };
  });
  const samples = summary.platform.invalidSamples;
  return {
    rows: summary.rows.read,
    valid: summary.rows.withIdentifier,
    invalidByReason: summary.invalidByReason,
    duplicates: summary.rows.duplicates,
    kept: summary.rows.kept,
    received: summary.platform.received,
    rejected: summary.platform.invalid,
    ...(Object.keys(samples).length > 0 ? { rejectedSamples: samples } : {}),
    // Queue-level attempts of a batch plus the requests its connector resent.
    retries: batches.reduce((sum, batch) => sum + Math.max(0, batch.attempts - 1) + (batch.outcome?.retries ?? 0), 0),
    rateLimitWaits: batches.reduce((sum, batch) => sum + (batch.outcome?.rateLimitWaits ?? 0), 0),
    stages: stagesOf(row),
    perColumn,
  };
}

/** The job, or AU_JOB_NOT_FOUND. */
export async function loadJob(runtime: Pick<Runtime, 'db'>, id: string): Promise<JobListRow> {
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await getJobForApi(runtime.db, id) : null;
  if (!row) throw new AuError('AU_JOB_NOT_FOUND', `There is no job ${id}`, { jobId: id });
  return row;
}

export async function jobDetail(runtime: Pick<Runtime, 'db'>, id: string, now = Date.now()): Promise<JobDetail> {
  const row = await loadJob(runtime, id);
  const batches = await listBatchTimeline(runtime.db, id);
  const finished = batches.filter((batch) => batch.state === 'done').sort((a, b) => new Date(a.updated_at).getTime() - new Date(b.updated_at).getTime());
  const progress: JobDetail['progress'] = [];
  if (row.prepared_at) progress.push({ at: iso(row.prepared_at)!, batchesDone: 0, rowsDone: 0 });
  let rowsDone = 0;
  finished.forEach((batch, index) => {
    if (ROW_BATCHES.has(batch.kind)) rowsDone += batch.rows;
    progress.push({ at: iso(batch.updated_at)!, batchesDone: index + 1, rowsDone });
  });
  return {
    job: jobView(row),
    summary: summaryView(row, batches),
    batches: batches.map((batch) => ({
      seq: batch.seq,
      kind: batch.kind,
      rows: batch.rows,
      state: batch.state,
      attempts: batch.attempts,
      error: batch.last_error ? { code: batch.last_error.code, message: batch.last_error.message } : null,
      finishedAt: FINISHED_BATCH.has(batch.state) ? iso(batch.updated_at) : null,
    })),
    progress,
    eta: etaOf(row, batches, finished.length, rowsDone, now),
  };
}

/**
 * Seconds left at the rate so far (rows carried by finished batches since the upload started, or batches where
 * no batch carries rows); null before the first batch finishes and once the job is over.
 */
function etaOf(row: JobListRow, batches: readonly BatchTimelineRow[], batchesDone: number, rowsDone: number, now: number): number | null {
  if (row.state !== 'uploading' || !row.prepared_at || batchesDone === 0) return null;
  const elapsed = (now - new Date(row.prepared_at).getTime()) / 1000;
  if (elapsed <= 0) return null;
  const totalRows = batches.filter((batch) => ROW_BATCHES.has(batch.kind)).reduce((sum, batch) => sum + batch.rows, 0);
  if (totalRows > 0 && rowsDone > 0) return Math.max(0, Math.round(((totalRows - rowsDone) * elapsed) / rowsDone));
  return Math.max(0, Math.round(((batches.length - batchesDone) * elapsed) / batchesDone));
}
