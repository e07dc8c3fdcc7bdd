import type { BatchRow, JobRow } from '../db/queries/jobs.js';
import type { BatchOutcome, PlannedBatch, UploadMode } from '../destinations/definition.js';
import { getDestination } from '../destinations/registry.js';
import { AuError, type ErrorCode } from '../errors.js';
import type { TransformReport } from '../transform/report.js';
import { summarize, type UploadSummary } from '../upload/summary.js';

/**
 * The upload summary of a job, from its rows: the transform report and each batch's outcome. Null when the job
 * stopped before its transform finished (its error says why).
 */
export function summaryOfJob(job: JobRow, batches: readonly BatchRow[]): UploadSummary | null {
  if (!job.report) return null;
  const plan: PlannedBatch[] = batches.map((batch) => ({
    seq: batch.seq,
    kind: batch.kind,
    files: batch.files,
    rows: batch.rows,
    checksum: batch.checksum,
    params: batch.params,
    dependsOn: batch.depends_on,
  }));
  const outcomes = new Map<number, BatchOutcome>(batches.filter((batch) => batch.state === 'done').map((batch) => [batch.seq, batch.outcome ?? {}]));
  const failed = job.state === 'failed' || job.state === 'dead' || job.state === 'cancelled';
  const failure = failed ? new AuError((job.error?.code ?? 'AU_UPLOAD_INCOMPLETE') as ErrorCode, job.error?.message ?? `the job was ${job.state}`) : undefined;
  return summarize({
    definition: getDestination(job.platform),
    report: job.report as unknown as TransformReport,
    plan,
    outcomes,
    audienceId: job.platform_audience_id,
    audienceName: job.audience_name,
    created: plan.some((batch) => batch.kind === 'create-audience' || batch.params.action === 'CREATE'),
    mode: job.mode as UploadMode | 'mirror',
    dryRun: false,
    workDir: job.work_prefix ?? '',
    requestsWritten: undefined,
    failure,
    secrets: [],
  });
}
