import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine/duckdb.js';
import { sqlIdent } from '../engine/duckdb.js';
import { AuError } from '../errors.js';
import { sqlTrim } from '../identifiers/rules/common.js';
import { wrapEngineError } from '../sources/engine-errors.js';
import type { Compression, RejectSummary, Source, SourceFormat } from '../sources/types.js';
import { judgeColumn, MATCH_KINDS, type ColumnStats, type ContentType, type MatchKind, type Suggestion } from './classify.js';
import { maskValue } from './mask.js';
import { longSampleSql, samplesSql, statsSql } from './stats-sql.js';

export const DEFAULT_SAMPLE_ROWS = 20_000;
export const MAX_SAMPLE_ROWS = 1_000_000;
const SAMPLES_PER_COLUMN = 3;

export interface DiscoverOptions {
  /** Rows to read from the start of the input (default 20,000): enough to judge columns, fast on any size. */
  sampleRows?: number;
  /** Describe only these columns (by name), in source order; default every column. */
  columns?: readonly string[];
}

export interface ColumnDiscovery {
  name: string;
  position: number;
  sourceType: string;
  contentType: ContentType;
  /** Share of sampled rows that are NULL, blank or a placeholder (`nan`, `null`, `n/a`, ...), 0..1. */
  emptyRate: number;
  /** Sampled rows holding a placeholder, counted in `emptyRate`. */
  placeholders: number;
  /** Distinct non-empty values in the sample. */
  distinct: number;
  /** Up to three distinct values, masked. */
  samples: string[];
  prehashed: boolean;
  hash?: 'sha256' | 'md5';
  suggestion: Suggestion | null;
  warnings: string[];
  /** Share of non-empty sampled values matching each pattern (non-zero ones). */
  shares: Partial<Record<MatchKind, number>>;
}

export interface DiscoveryReport {
  format: SourceFormat;
  files: { path: string; bytes: number; compression: Compression }[];
  rows: {
    count: number;
    exact: boolean;
    /** parquet-metadata: from the files' footers; sample: the sample read everything; else estimated. */
    method: 'parquet-metadata' | 'sample' | 'line-count' | 'byte-estimate';
  };
  sample: { rows: number; limit: number; complete: boolean };
  columns: ColumnDiscovery[];
  /** Rows of the sampled part the reader skipped (CSV), by reason with places; never content. */
  rejects: RejectSummary[];
  warnings: string[];
}

export function validateSampleRows(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_SAMPLE_ROWS) {
    throw new AuError('AU_OPTION_INVALID', `sample rows must be a whole number from 1 to ${MAX_SAMPLE_ROWS.toLocaleString('en-US')}`, { sampleRows: value });
  }
  return value;
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000);

/**
 * Reads the first `sampleRows` rows of a source (DuckDB stops reading once the LIMIT is met, so big inputs
 * cost the same as small ones) and describes every column: content type, empty rate, distinct values, masked
 * samples and a suggested identifier. Raw values stay inside DuckDB except the few samples, masked here.
 */
export async function discoverSchema(engine: Engine, source: Source, options: DiscoverOptions = {}): Promise<DiscoveryReport> {
  const limit = validateSampleRows(options.sampleRows ?? DEFAULT_SAMPLE_ROWS);
  const inputs = source.files.map((f) => f.path);
  const id = randomBytes(4).toString('hex');
  const table = sqlIdent(`au_discover_${id}`);
  const longTable = sqlIdent(`au_discover_${id}_long`);
  const wanted = options.columns ? new Set(options.columns) : undefined;
  // Positions in the source, kept for the chosen columns: the statistics are keyed by them.
  const described = source.columns.flatMap((column, i) => (!wanted || wanted.has(column.name) ? [{ column, i }] : []));
  if (described.length === 0) throw new Error('no column to describe');
  const positional = described.map(({ column, i }) => `coalesce(${sqlIdent(column.name)}, '') AS c${i}`);
  try {
    await engine.run(`CREATE TEMP TABLE ${table} AS SELECT row_number() OVER () AS __r, * FROM (SELECT ${positional.join(', ')} FROM ${source.view} LIMIT ${limit})`);
    const [counted] = await engine.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`);
    const sampled = Number(counted?.n ?? 0);
    // Trimmed once into long form (one row per cell); statistics and samples both read it.
    await engine.run(`CREATE TEMP TABLE ${longTable} AS ${longSampleSql(table, sqlTrim)}`);
    const long = `SELECT * FROM ${longTable}`;
    const statRows = sampled === 0 ? [] : await engine.all<Record<string, unknown>>(statsSql(long));
    const sampleRows = sampled === 0 ? [] : await engine.all<{ col: string; v: string }>(samplesSql(long, SAMPLES_PER_COLUMN));

    const statsByCol = new Map(statRows.map((r) => [String(r.col), r]));
    const samplesByCol = new Map<string, string[]>();
    for (const { col, v } of sampleRows) samplesByCol.set(col, [...(samplesByCol.get(col) ?? []), v]);

    const columns = described.map(({ column, i }): ColumnDiscovery => {
      const stats = toStats(statsByCol.get(`c${i}`), sampled);
      const verdict = judgeColumn(column.name, stats);
      const discovery: ColumnDiscovery = {
        name: column.name,
        position: i,
        sourceType: column.sourceType,
        contentType: verdict.contentType,
        emptyRate: rate(stats.empty + stats.placeholders, stats.rows),
        placeholders: stats.placeholders,
        distinct: stats.distinct,
        samples: (samplesByCol.get(`c${i}`) ?? []).map((v) => maskValue(v, verdict.mask)),
        prehashed: verdict.prehashed,
        suggestion: verdict.suggestion,
        warnings: verdict.warnings,
        shares: verdict.shares,
      };
      if (verdict.hash) discovery.hash = verdict.hash;
      return discovery;
    });

    const complete = sampled < limit;
    const rows: DiscoveryReport['rows'] =
      source.rowCount.exact || !complete
        ? { count: source.rowCount.rows, exact: source.rowCount.exact, method: source.rowCount.method }
        : { count: sampled, exact: true, method: 'sample' };
    const rejects = await source.rejects();
    const warnings = [...source.warnings];
    const rejected = rejects.reduce((sum, r) => sum + r.count, 0);
    if (rejected > 0) warnings.push(`${rejected} row(s) in the sampled part could not be read and were skipped (see rejects)`);
    if (sampled === 0) warnings.push('the sample has no rows');
    return {
      format: source.format,
      files: source.files.map((f) => ({ path: f.path, bytes: f.bytes, compression: f.compression })),
      rows,
      sample: { rows: sampled, limit, complete },
      columns,
      rejects,
      warnings,
    };
  } catch (error) {
    throw wrapEngineError(error, inputs);
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${table}; DROP TABLE IF EXISTS ${longTable}`).catch(() => undefined);
  }
}

function toStats(row: Record<string, unknown> | undefined, sampled: number): ColumnStats {
  const num = (key: string) => Number(row?.[key] ?? 0);
  const matches = {} as Record<MatchKind, number>;
  for (const kind of MATCH_KINDS) matches[kind] = num(`m_${kind}`);
  return { rows: row ? num('rows') : sampled, empty: row ? num('empty') : sampled, placeholders: num('placeholders'), distinct: num('distinct_values'), matches };
}
