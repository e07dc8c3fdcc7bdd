import { AuError, isAuError } from '../errors.js';
import type { BatchOutcome, DestinationDefinition, PlannedBatch, UploadMode } from '../destinations/definition.js';
import type { TransformReport } from '../transform/report.js';

export interface UploadSummary {
  destination: string;
  mode: UploadMode | 'mirror';
  dryRun: boolean;
  audience: { id: string | null; name: string | null; created: boolean };
  rows: TransformReport['rows'];
  /** Invalid values over all mapped columns, by reason. */
  invalidByReason: Record<string, number>;
  columns: { column: string; identifier: string; valid: number; empty: number; invalid: number; prehashed: boolean }[];
  batches: { planned: number; done: number; rowsPlanned: number };
  platform: { received: number; invalid: number; invalidSamples: Record<string, string> };
  complete: boolean;
  /** Everything sent and nothing rejected: the exit code is 0 only then. */
  accepted: boolean;
  error: { code: string; message: string } | null;
  workDir: string;
  requestsWritten?: number;
  warnings: string[];
}

interface SummaryInput {
  definition: DestinationDefinition;
  report: TransformReport;
  plan: readonly PlannedBatch[];
  outcomes: ReadonlyMap<number, BatchOutcome>;
  audienceId: string | null;
  audienceName: string | null;
  created: boolean;
  mode: UploadMode | 'mirror';
  dryRun: boolean;
  workDir: string;
  requestsWritten: number | undefined;
  failure: unknown;
  secrets: readonly string[];
}

/** Rows of data that carry identifiers: TikTok applies and Meta row batches (uploads and creates carry none). */
const ROW_BATCHES = new Set<PlannedBatch['kind']>(['apply-files', 'send-rows']);

export function summarize(input: SummaryInput): UploadSummary {
  const invalidByReason: Record<string, number> = {};
  for (const column of input.report.columns) {
    for (const [reason, count] of Object.entries(column.invalid)) invalidByReason[reason] = (invalidByReason[reason] ?? 0) + (count ?? 0);
  }
  let received = 0;
  let invalid = 0;
  const invalidSamples: Record<string, string> = {};
  for (const batch of input.plan) {
    const outcome = input.outcomes.get(batch.seq);
    if (!outcome || !ROW_BATCHES.has(batch.kind)) continue;
    received += outcome.received ?? 0;
    invalid += outcome.invalid ?? 0;
    for (const [key, reason] of Object.entries(outcome.invalidSamples ?? {})) {
      if (Object.keys(invalidSamples).length < 10) invalidSamples[key] = reason;
    }
  }
  const done = input.plan.filter((batch) => input.outcomes.has(batch.seq)).length;
  const complete = input.failure === undefined && done === input.plan.length;
  return {
    destination: input.definition.platform,
    mode: input.mode,
    dryRun: input.dryRun,
    audience: { id: input.audienceId, name: input.audienceName, created: input.created },
    rows: input.report.rows,
    invalidByReason,
    columns: input.report.columns.map((column) => ({
      column: column.column,
      identifier: column.identifier,
      valid: column.valid,
      empty: column.empty,
      invalid: Object.values(column.invalid).reduce((sum: number, count) => sum + (count ?? 0), 0),
      prehashed: column.prehashed,
    })),
    batches: { planned: input.plan.length, done, rowsPlanned: input.plan.filter((b) => ROW_BATCHES.has(b.kind)).reduce((sum, b) => sum + b.rows, 0) },
    platform: { received, invalid, invalidSamples },
    complete,
    accepted: complete && invalid === 0,
    error: input.failure === undefined ? null : describeFailure(input.failure, input.secrets),
    workDir: input.workDir,
    ...(input.requestsWritten !== undefined ? { requestsWritten: input.requestsWritten } : {}),
    warnings: input.report.warnings,
  };
}

function describeFailure(failure: unknown, secrets: readonly string[]): { code: string; message: string } {
  const error = isAuError(failure) ? failure : new AuError('AU_INTERNAL', failure instanceof Error ? failure.message : String(failure));
  let message = error.message;
  // A platform could echo a credential in its message; it never reaches the user's terminal or logs.
  for (const secret of secrets) message = message.split(secret).join('<redacted>');
  return { code: error.code, message };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatUploadSummary(summary: UploadSummary): string {
  const lines: string[] = [];
  const rows = summary.rows;
  lines.push(
    `rows read            ${fmt(rows.read)}${rows.unreadable ? ` (${fmt(rows.unreadable)} unreadable)` : ''}`,
    `with an identifier   ${fmt(rows.withIdentifier)}`,
    `without any          ${fmt(rows.withoutIdentifier)}`,
    `duplicates removed   ${fmt(rows.duplicates)}`,
    `records to send      ${fmt(rows.kept)}`,
  );
  const reasons = Object.entries(summary.invalidByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) lines.push(`invalid values       ${reasons.map(([reason, n]) => `${reason} ${fmt(n)}`).join(', ')}`);
  for (const column of summary.columns) {
    lines.push(`  ${column.column.padEnd(18)} ${column.identifier.padEnd(10)} valid ${fmt(column.valid)}, empty ${fmt(column.empty)}, invalid ${fmt(column.invalid)}${column.prehashed ? ' (pre-hashed)' : ''}`);
  }
  lines.push(`batches              ${fmt(summary.batches.done)} of ${fmt(summary.batches.planned)} done`);
  if (summary.dryRun) {
    lines.push(`dry run              nothing was sent; ${fmt(summary.requestsWritten ?? 0)} request(s) written to ${summary.workDir}/requests`);
  } else {
    lines.push(`platform received    ${fmt(summary.platform.received)}`, `platform rejected    ${fmt(summary.platform.invalid)}`);
    for (const [key, reason] of Object.entries(summary.platform.invalidSamples)) lines.push(`  rejected sample: ${key}: ${reason}`);
  }
  const audience = summary.audience;
  lines.push(`audience             ${audience.id ?? '(not created yet)'}${audience.name ? ` "${audience.name}"` : ''}${audience.created && audience.id ? ' (created)' : ''}`);
  for (const warning of summary.warnings) lines.push(`warning: ${warning}`);
  if (summary.error) lines.push(`error ${summary.error.code}: ${summary.error.message}`, 'run the same command again to continue from the last accepted batch');
  else if (!summary.dryRun) lines.push(summary.accepted ? 'done: the platform accepted every batch' : 'done, but the platform rejected some records (see above)');
  return `${lines.join('\n')}\n`;
}
