import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine/duckdb.js';
import { sqlIdent, sqlString } from '../engine/duckdb.js';
import { AuError } from '../errors.js';
import { planCsv, rejectReason, type CsvLayout } from './csv.js';
import { verifyGzip } from './detect.js';
import { planJson } from './json.js';
import { planParquet } from './parquet.js';
import { assertOneFormat, describeInputs } from './resolve.js';
import { runOnInputs, type ScanPlan } from './scan.js';
import type { RejectedRow, RejectReason, RejectSummary, RowCount, Source, SourceFile } from './types.js';

export interface OpenSourceOptions {
  /** Name of the view to create (letters, digits, underscore); default a fresh `au_source_<random>`. */
  view?: string;
  /**
   * Decompress every gzip file once to prove it is complete (default true). DuckDB reads a truncated gzip as if
   * it ended early, losing rows silently. Costs about 1 s per 450 MB of decompressed data.
   */
  verifyGzip?: boolean;
}

const SAFE_VIEW = /^[A-Za-z_][A-Za-z0-9_]{0,50}$/;
/** Examples kept per reject reason. */
export const REJECT_EXAMPLES = 5;

async function verifyAll(files: SourceFile[]): Promise<void> {
  const gz = files.filter((f) => f.compression === 'gzip');
  // Two at a time: zlib runs on libuv's pool, alongside DuckDB's threads.
  for (let i = 0; i < gz.length; i += 2) {
    const batch = gz.slice(i, i + 2);
    const results = await Promise.all(batch.map((f) => verifyGzip(f.path)));
    batch.forEach((f, j) => Object.assign(f, results[j]));
  }
}

/**
 * Rows in a text file: counted lines when the whole file was seen (small files, verified gzip), else the file's
 * size over the bytes per line of its first 128 KB. Either way an estimate: quoted line breaks, blank lines
 * and rejected rows make lines and rows differ.
 */
export function estimateTextRows(file: SourceFile, headerLines: number): { rows: number; counted: boolean } {
  const head = file.head;
  let lines: number;
  let counted = true;
  // Newlines count rows only where a row is a line.
  if (file.newlines !== undefined && (file.format === 'csv' || file.jsonLayout === 'lines')) {
    lines = file.newlines;
  } else if (head?.complete) {
    lines = head.records;
  } else if (head && head.records > 0 && head.bytes > 0) {
    counted = false;
    lines = Math.round(((file.uncompressedBytes ?? file.bytes) * head.records) / head.bytes);
  } else {
    return { rows: 0, counted: false };
  }
  return { rows: Math.max(0, lines - headerLines), counted };
}

function textRowCount(files: readonly SourceFile[], headerLines: (file: SourceFile) => number): RowCount {
  let rows = 0;
  let counted = true;
  for (const file of files) {
    const estimate = estimateTextRows(file, headerLines(file));
    rows += estimate.rows;
    counted &&= estimate.counted;
  }
  return { rows, exact: false, method: counted ? 'line-count' : 'byte-estimate' };
}

/**
 * Opens a dataset as a DuckDB view with every column as VARCHAR text, in the first file's column order, plus
 * `__file` (the file's path) and `__row` (1-based row within the file for Parquet, NULL otherwise).
 * Checks before creating it: gzip completeness, the same columns in every file, at least one data row, and
 * for CSV that no file is entirely unreadable.
 */
export async function openSource(engine: Engine, inputFiles: readonly SourceFile[], options: OpenSourceOptions = {}): Promise<Source> {
  if (inputFiles.length === 0) throw new AuError('AU_INPUT_EMPTY', 'no input files', {});
  const files = inputFiles.map((f) => ({ ...f }));
  assertOneFormat(files);
  const view = options.view ?? `au_source_${randomBytes(4).toString('hex')}`;
  if (!SAFE_VIEW.test(view)) throw new AuError('AU_OPTION_INVALID', `view name ${view} must be letters, digits and underscores`, { view });
  if (options.verifyGzip !== false) await verifyAll(files);

  const format = files[0]!.format;
  let plan: ScanPlan;
  let rowCount: RowCount;
  if (format === 'csv') {
    const csv = await planCsv(engine, files, view);
    plan = csv;
    rowCount = textRowCount(csv.filesWithData, (file) => {
      const layout = csv.layouts.get(file) as CsvLayout;
      return (layout.header ? 1 : 0) + layout.skip;
    });
  } else if (format === 'json') {
    plan = await planJson(engine, files);
    rowCount = textRowCount(plan.filesWithData, () => 0);
  } else {
    const parquet = await planParquet(engine, files);
    plan = parquet;
    rowCount = { rows: parquet.rows, exact: true, method: 'parquet-metadata' };
  }
  if (plan.filesWithData.length === 0) {
    throw new AuError('AU_INPUT_EMPTY', `${describeInputs(files)}: has no data rows`, { files: files.map((f) => f.path) });
  }
  const paths = files.map((f) => f.path);
  // A reused view name must not inherit the rejects of an earlier source.
  await engine.run(`DROP TABLE IF EXISTS ${sqlIdent(`${view}_rejects`)}; DROP TABLE IF EXISTS ${sqlIdent(`${view}_scans`)}`);
  await runOnInputs(engine, `CREATE OR REPLACE VIEW ${sqlIdent(view)} AS ${plan.sql}`, paths);
  return makeSource(engine, { view, format, files, plan, rowCount });
}

function makeSource(
  engine: Engine,
  opened: { view: string; format: Source['format']; files: SourceFile[]; plan: ScanPlan; rowCount: RowCount },
): Source {
  const { view, plan } = opened;
  const rejectsTable = sqlIdent(`${view}_rejects`);
  const scansTable = sqlIdent(`${view}_scans`);
  const tablesExist = async (): Promise<boolean> => {
    const rows = await engine.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name IN (${sqlString(`${view}_rejects`)}, ${sqlString(`${view}_scans`)})`,
    );
    return Number(rows[0]?.n ?? 0) === 2;
  };
  // Each scan of the view appends what it skipped; a row seen by several scans counts once.
  const distinctRejects = `SELECT DISTINCT s.file_path AS file, e.line AS line, e.error_type AS error_type FROM ${rejectsTable} e JOIN ${scansTable} s ON e.scan_id = s.scan_id AND e.file_id = s.file_id`;

  return {
    view,
    columns: plan.columns,
    format: opened.format,
    files: opened.files,
    rowNumbers: plan.rowNumbers,
    rowCount: opened.rowCount,
    warnings: plan.warnings,
    async rejects(): Promise<RejectSummary[]> {
      if (opened.format !== 'csv' || !(await tablesExist())) return [];
      const rows = await engine.all<{ error_type: string; n: bigint; examples: { file: string; line: bigint }[] }>(
        `SELECT error_type, count(*) AS n, list({'file': file, 'line': line} ORDER BY file, line)[1:${REJECT_EXAMPLES}] AS examples ` +
          `FROM (${distinctRejects}) GROUP BY error_type`,
      );
      const byReason = new Map<RejectReason, RejectSummary>();
      for (const row of rows) {
        const reason = rejectReason(row.error_type);
        const summary = byReason.get(reason) ?? { reason, count: 0, examples: [] };
        summary.count += Number(row.n);
        summary.examples.push(...row.examples.map((e) => ({ file: e.file, line: Number(e.line) })));
        byReason.set(reason, summary);
      }
      const summaries = [...byReason.values()];
      for (const s of summaries) {
        s.examples.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
        s.examples = s.examples.slice(0, REJECT_EXAMPLES);
      }
      return summaries.sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
    },
    async rejectedRows(limit = 1000): Promise<RejectedRow[]> {
      if (opened.format !== 'csv' || !(await tablesExist())) return [];
      const rows = await engine.all<{ file: string; line: bigint; error_type: string }>(
        `SELECT file, line, error_type FROM (${distinctRejects}) ORDER BY file, line, error_type LIMIT ${Math.max(0, Math.floor(limit))}`,
      );
      return rows.map((r) => ({ file: r.file, line: Number(r.line), reason: rejectReason(r.error_type) }));
    },
    async clearRejects(): Promise<void> {
      if (await tablesExist()) await engine.run(`DELETE FROM ${rejectsTable}; DELETE FROM ${scansTable}`);
    },
    async close(): Promise<void> {
      await engine.run(`DROP VIEW IF EXISTS ${sqlIdent(view)}; DROP TABLE IF EXISTS ${rejectsTable}; DROP TABLE IF EXISTS ${scansTable}`);
    },
  };
}
