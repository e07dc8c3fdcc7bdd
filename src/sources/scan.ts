import type { Engine } from '../engine/duckdb.js';
import { sqlIdent, sqlString } from '../engine/duckdb.js';
import { AuError } from '../errors.js';
import { wrapEngineError } from './engine-errors.js';
import { FILE_COLUMN, ROW_COLUMN, type SourceColumn, type SourceFile } from './types.js';

/** Runs a query over input files, turning engine errors into AuErrors that name the file. */
export async function queryInputs<T>(engine: Engine, sql: string, inputs: readonly string[]): Promise<T[]> {
  try {
    return await engine.all<T>(sql);
  } catch (error) {
    throw wrapEngineError(error, inputs);
  }
}

export async function runOnInputs(engine: Engine, sql: string, inputs: readonly string[]): Promise<void> {
  try {
    await engine.run(sql);
  } catch (error) {
    throw wrapEngineError(error, inputs);
  }
}

/** `['a', 'b']` as a DuckDB list of string literals. */
export function sqlList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/** `{'a': 'VARCHAR', ...}`: the `columns` argument of DuckDB's readers. */
export function sqlColumnTypes(names: readonly string[], type: string): string {
  return `{${names.map((name) => `${sqlString(name)}: ${sqlString(type)}`).join(', ')}}`;
}

/** Groups items by a key, keeping first-seen order of keys and items. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

/** Column sets must match across the files of a dataset (DuckDB compares names case-insensitively). */
export function assertSameColumns(files: readonly { file: SourceFile; columns: readonly string[] }[]): void {
  const first = files[0];
  if (!first) return;
  const firstSet = new Set(first.columns.map((c) => c.toLowerCase()));
  for (const other of files.slice(1)) {
    const otherSet = new Set(other.columns.map((c) => c.toLowerCase()));
    const onlyFirst = first.columns.filter((c) => !otherSet.has(c.toLowerCase()));
    const onlyOther = other.columns.filter((c) => !firstSet.has(c.toLowerCase()));
    if (onlyFirst.length === 0 && onlyOther.length === 0) continue;
    const parts: string[] = [];
    if (onlyFirst.length > 0) parts.push(`only in ${first.file.path}: ${onlyFirst.join(', ')}`);
    if (onlyOther.length > 0) parts.push(`only in ${other.file.path}: ${onlyOther.join(', ')}`);
    throw new AuError('AU_INPUT_MIXED_COLUMNS', `${first.file.path} and ${other.file.path} have different columns (${parts.join('; ')})`, {
      files: [first.file.path, other.file.path],
      onlyInFirst: onlyFirst,
      onlyInSecond: onlyOther,
    });
  }
}

/** The hidden columns carry the file and row; a data column of the same name would be shadowed. */
export function assertNoReservedColumns(file: SourceFile, columns: readonly string[], extra: readonly string[] = []): void {
  const reserved = new Set([FILE_COLUMN, ROW_COLUMN, ...extra].map((c) => c.toLowerCase()));
  const clash = columns.find((c) => reserved.has(c.toLowerCase()));
  if (clash) throw new AuError('AU_INPUT_UNREADABLE', `${file.path}: has a column named ${clash}, which is reserved; rename it`, { file: file.path, column: clash });
}

/** What a format reader hands back to `openSource`. */
export interface ScanPlan {
  /** The body of the view: columns in order, then `__file` and `__row`. */
  sql: string;
  columns: SourceColumn[];
  rowNumbers: boolean;
  warnings: string[];
  /** The files that have data rows; a dataset with none is an error. */
  filesWithData: SourceFile[];
}

/** Final projection: every column under its own name, then the hidden columns. */
export function viewSelect(columns: readonly { name: string; expr: string }[], rowExpr: string, from: string): string {
  const list = columns.map((c) => `${c.expr} AS ${sqlIdent(c.name)}`);
  return `SELECT ${[...list, `${sqlIdent(FILE_COLUMN)}`, `${rowExpr} AS ${sqlIdent(ROW_COLUMN)}`].join(', ')} FROM (${from})`;
}

/** DuckDB's name for a file's compression, given explicitly so a gzip file not named `.gz` still reads. */
export function duckCompression(file: SourceFile): string {
  return sqlString(file.compression === 'gzip' ? 'gzip' : 'uncompressed');
}
