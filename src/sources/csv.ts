import type { Engine } from '../engine/duckdb.js';
import { sqlIdent, sqlString } from '../engine/duckdb.js';
import { AuError, type ErrorCode } from '../errors.js';
import { assertNoReservedColumns, assertSameColumns, duckCompression, groupBy, queryInputs, sqlColumnTypes, sqlList, viewSelect, type ScanPlan } from './scan.js';
import { FILE_COLUMN, REJECT_REASONS, type RejectReason, type SourceFile } from './types.js';

/** The dialect of one CSV file, fixed after sniffing so every scan of the view reads it the same way. */
export interface CsvLayout {
  delim: string;
  quote: string;
  escape: string;
  comment: string;
  skip: number;
  header: boolean;
  columns: string[];
}

interface SniffRow {
  delim: string;
  quote: string;
  escape: string;
  comment: string;
  skip: number | bigint;
  header: boolean;
  columns: { name: string; type: string }[];
}

const EMPTY = '(empty)';

/** Values that no one would use as a column name: emails, long digit runs, phones, hashes, UUIDs, dates. */
const DATA_LIKE = [
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  /^\+?[\d\s\-().]{7,}$/,
  /^[0-9a-f]{32}$|^[0-9a-f]{64}$/i,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^\d{4}-\d{2}-\d{2}/,
];

/**
 * DuckDB takes the first row of an all-text file for a header (it cannot tell by types). A "header" holding
 * an email, a phone number, a hash or a UUID is data.
 */
export function headerLooksLikeData(names: readonly string[]): boolean {
  return names.some((name) => DATA_LIKE.some((pattern) => pattern.test(name.trim())));
}

/**
 * Trims header names, names blank ones by position (DuckDB's `column<i>`, 0-based) and makes names unique
 * case-insensitively (`email`, `Email_1`), since DuckDB matches names case-insensitively.
 */
export function cleanColumnNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((raw, i) => {
    const base = raw.trim() === '' ? `column${i}` : raw.trim();
    let name = base;
    for (let n = 1; used.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    used.add(name.toLowerCase());
    return name;
  });
}

/**
 * The sniffer picks "no quote" when the sample has no quotes, and later rows with quoted delimiters then
 * break apart; standard CSV quoting (`"`, doubled to escape) is the safe default.
 */
export function layoutFromSniff(row: SniffRow): CsvLayout {
  const clean = (value: string) => (value === EMPTY ? '' : value);
  const quote = clean(row.quote) || '"';
  const escape = clean(row.escape) || quote;
  const sniffed = row.columns.map((c) => c.name);
  const header = row.header && !headerLooksLikeData(sniffed);
  return {
    delim: row.delim,
    quote,
    escape,
    comment: clean(row.comment),
    skip: Number(row.skip),
    header,
    columns: header ? cleanColumnNames(sniffed) : sniffed.map((_, i) => `column${i}`),
  };
}

function encodingOptions(file: SourceFile): string {
  return `compression=${duckCompression(file)}, encoding=${sqlString(file.encoding)}`;
}

/** read_csv arguments for a fixed layout: no sniffing, every column VARCHAR, bad rows skipped (and recorded). */
export function csvReadOptions(layout: CsvLayout, file: SourceFile): string {
  return [
    'auto_detect=false',
    `delim=${sqlString(layout.delim)}`,
    `quote=${sqlString(layout.quote)}`,
    `escape=${sqlString(layout.escape)}`,
    `comment=${sqlString(layout.comment)}`,
    `skip=${layout.skip}`,
    `header=${layout.header}`,
    `columns=${sqlColumnTypes(layout.columns, 'VARCHAR')}`,
    encodingOptions(file),
    'strict_mode=true',
    'null_padding=false',
    'hive_partitioning=false',
    'ignore_errors=true',
  ].join(', ');
}

/** Maps DuckDB's reject `error_type` to our reason codes. */
export function rejectReason(errorType: string): RejectReason {
  const type = errorType.toUpperCase();
  if (type.includes('TOO MANY')) return 'too_many_fields';
  if (type.includes('MISSING')) return 'too_few_fields';
  if (type.includes('ENCODING') || type.includes('UNICODE')) return 'invalid_encoding';
  if (type.includes('QUOTE')) return 'bad_quoting';
  if (type.includes('LINE SIZE')) return 'line_too_long';
  return 'unreadable';
}

const REASON_CODES: Partial<Record<RejectReason, ErrorCode>> = {
  too_many_fields: 'AU_INPUT_RAGGED',
  too_few_fields: 'AU_INPUT_RAGGED',
  invalid_encoding: 'AU_INPUT_ENCODING',
};

async function sniff(engine: Engine, file: SourceFile): Promise<CsvLayout> {
  if (file.mixedNewlines) {
    throw new AuError('AU_INPUT_UNREADABLE', `${file.path}: mixes Windows (CRLF) and Unix (LF) line ends; convert it to one kind`, { file: file.path });
  }
  const rows = await queryInputs<SniffRow>(
    engine,
    `SELECT Delimiter AS delim, Quote AS quote, Escape AS escape, Comment AS comment, SkipRows AS skip, HasHeader AS header, Columns AS columns ` +
      `FROM sniff_csv(${sqlString(file.path)}, ${encodingOptions(file)}, ignore_errors=true)`,
    [file.path],
  );
  const row = rows[0];
  if (!row || row.columns.length === 0) throw new AuError('AU_INPUT_UNREADABLE', `${file.path}: could not detect the CSV layout`, { file: file.path });
  return layoutFromSniff(row);
}

/**
 * Reads up to one row to learn whether the file has data. None: either it is header-only (fine, it adds
 * nothing) or every row was rejected, which is an error naming the first bad line.
 */
async function hasData(engine: Engine, file: SourceFile, layout: CsvLayout, probe: string): Promise<boolean> {
  const rejects = `${probe}_rejects`;
  const scans = `${probe}_scans`;
  try {
    const rows = await queryInputs(
      engine,
      `SELECT * FROM read_csv(${sqlString(file.path)}, ${csvReadOptions(layout, file)}, store_rejects=true, ` +
        `rejects_table=${sqlString(rejects)}, rejects_scan=${sqlString(scans)}) LIMIT 1`,
      [file.path],
    );
    if (rows.length > 0) return true;
    const first = await engine.all<{ line: bigint; error_type: string; n: bigint }>(
      `SELECT line, error_type, count(*) OVER () AS n FROM ${sqlIdent(rejects)} ORDER BY line LIMIT 1`,
    );
    const bad = first[0];
    if (!bad) return false;
    const reason = rejectReason(bad.error_type);
    throw new AuError(
      REASON_CODES[reason] ?? 'AU_INPUT_UNREADABLE',
      `${file.path}: no row could be read; all ${bad.n} rows were rejected, the first at line ${bad.line} (${REJECT_REASONS[reason]})` +
        (reason === 'invalid_encoding' ? '; if the file is Latin-1 or Windows-1252, save it as UTF-8' : ''),
      { file: file.path, line: Number(bad.line), reason, rejected: Number(bad.n) },
    );
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${sqlIdent(rejects)}; DROP TABLE IF EXISTS ${sqlIdent(scans)}`);
  }
}

/**
 * A filter that is always true but uses every column, so every scan of the view reads (and checks) every
 * column. Two reasons: DuckDB 1.5 hits an internal error, which invalidates the whole database, when a scan
 * with `store_rejects` reads only some columns and one of them has invalid UTF-8; and without it the rows a
 * query gets would depend on which columns it reads (bad bytes in an unread column go unnoticed). Cost: unread
 * columns are materialized; measured +0.3 s on a 13-column, 200 MB, 1 M-row file read for one column.
 */
export function readAllColumnsGuard(columns: readonly string[]): string {
  return `${columns.map((c) => `strlen(coalesce(${sqlIdent(c)}, ''))`).join(' + ')} >= 0`;
}

/** Plans the view over CSV files; bad rows go to `<view>_rejects` / `<view>_scans` as the view is scanned. */
export async function planCsv(engine: Engine, files: readonly SourceFile[], view: string): Promise<ScanPlan & { layouts: Map<SourceFile, CsvLayout> }> {
  const layouts = new Map<SourceFile, CsvLayout>();
  const filesWithData: SourceFile[] = [];
  for (const file of files) {
    const layout = await sniff(engine, file);
    assertNoReservedColumns(file, layout.columns);
    // Checked as each file is sniffed, so a stray file in a big folder fails fast.
    const firstFile = files[0]!;
    if (file !== firstFile) assertSameColumns([{ file: firstFile, columns: layouts.get(firstFile)!.columns }, { file, columns: layout.columns }]);
    layouts.set(file, layout);
    if (await hasData(engine, file, layout, `${view}_probe`)) filesWithData.push(file);
  }

  const warnings: string[] = [];
  const first = layouts.get(files[0]!)!;
  if (!first.header) warnings.push(`no header row detected; columns are named ${first.columns[0]}, ${first.columns[1] ?? '…'}, … by position`);
  const headerOnly = files.length - filesWithData.length;
  if (headerOnly > 0 && filesWithData.length > 0) warnings.push(`${headerOnly} file(s) have a header but no data rows`);

  // One scan per distinct layout (normally one for the whole folder), combined by column name.
  const groups = groupBy(filesWithData, (file) => JSON.stringify([layouts.get(file), file.compression, file.encoding]));
  const scans = groups.map((group) => {
    const layout = layouts.get(group[0]!)!;
    return (
      `SELECT * FROM read_csv(${sqlList(group.map((f) => f.path))}, ${csvReadOptions(layout, group[0]!)}, ` +
      `store_rejects=true, rejects_table=${sqlString(`${view}_rejects`)}, rejects_scan=${sqlString(`${view}_scans`)}, ` +
      `filename=${sqlString(FILE_COLUMN)})`
    );
  });
  const columns = first.columns.map((name) => ({ name, sourceType: 'VARCHAR' }));
  return {
    sql: viewSelect(
      columns.map((c) => ({ name: c.name, expr: sqlIdent(c.name) })),
      'CAST(NULL AS BIGINT)',
      `SELECT * FROM (${scans.join(' UNION ALL BY NAME ')}) WHERE ${readAllColumnsGuard(first.columns)}`,
    ),
    columns,
    rowNumbers: false,
    warnings,
    filesWithData,
    layouts,
  };
}
