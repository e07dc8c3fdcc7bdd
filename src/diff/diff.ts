import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { engineTempDir, openEngine, sqlString, type Engine } from '../engine/duckdb.js';
import type { PlatformProfile } from '../destinations/profile.js';
import { AuError } from '../errors.js';
import { wrapEngineError } from '../sources/index.js';
import { BUCKET_COLUMN, sortKeyColumn, writeBucketedParts, writeSortedParts, type OutputFile, type PartOptions } from '../transform/file-parts.js';
import type { TransformReport } from '../transform/report.js';

/**
 * The shape of a snapshot's files: the transform's output layout (report.output: `layout`, `header`; the
 * profile's limits; the layout's file prefix, which is the report's `typeName` for a single layout, `MULTIPLE_TYPES`
 * or `batch` for multi).
 */
export interface SnapshotLayout {
  kind: 'single' | 'multi';
  /** Column names of a multi layout (the header line of every file); null for a single layout. */
  header: string[] | null;
  maxFileBytes?: number;
  maxRows?: number;
  /** Files are named `<filePrefix>-00001.csv`, ... */
  filePrefix: string;
}

/**
 * The snapshot layout of a transform's output, with the platform's limits: file prefixes as `planLayout` names
 * them (a single layout by its type, TikTok multi-type files `MULTIPLE_TYPES`, Meta `batch`).
 */
export function snapshotLayoutFor(output: TransformReport['output'], profile: PlatformProfile): SnapshotLayout {
  const limits = profile.output.kind === 'file-set' ? { maxFileBytes: profile.output.maxFileBytes } : { maxRows: profile.output.maxRowsPerBatch };
  if (output.layout === 'single') return { kind: 'single', header: null, filePrefix: output.typeName, ...limits };
  return { kind: 'multi', header: output.header, filePrefix: profile.output.kind === 'file-set' ? output.typeName : 'batch', ...limits };
}

export interface DiffPart {
  /** Absolute folder of the files. */
  dir: string;
  /** Named as the transform names them, relative to `dir`, with rows, bytes and MD5. */
  files: OutputFile[];
  rows: number;
}

export interface DiffResult {
  /** Records of this run that the snapshot does not hold: to append. */
  added: DiffPart;
  /** Records of the snapshot that this run does not hold: to remove. */
  removed: DiffPart;
  /** Records in both. */
  unchanged: number;
}

export interface DiffOptions {
  /** Files of the last snapshot (local paths, named as the transform named them); null on a first run. */
  previous: string[] | null;
  /** Files of this run's transform output, of `layout`. */
  current: string[];
  layout: SnapshotLayout;
  /** Gets `added/` and `removed/` (which must not exist or be empty), each written completely or not at all. */
  outDir: string;
  /** Working folder (DuckDB spill files under `tmp/`), as the transform uses. */
  dataDir: string;
  memoryLimit?: string;
  threads?: number;
  /** Output bytes per sort bucket (tests force several buckets or the external sort with a small value). */
  bucketBytes?: number;
}

/** Bytes of output rows per bucket, sorted in memory at once (as the transform's buckets). */
const BUCKET_BYTES = 64 * 1024 * 1024;
/** Most buckets one partitioned write holds: a power of two under the transform's 300. */
const MAX_BUCKETS = 256;
/** Upper bound of an output field's bytes with its separator (a hash; raw MADID and EXTERN_ID are shorter). */
const FIELD_BYTES = 65;
/** Bytes read from a file to find its first line (a header, or a record of a single layout). */
const FIRST_LINE_BYTES = 64 * 1024;

const columnNames = (layout: SnapshotLayout) => Array.from({ length: width(layout) }, (_, i) => `o${i}`);

function width(layout: SnapshotLayout): number {
  return layout.kind === 'single' ? 1 : layout.header!.length;
}

/**
 * SQL for the records of snapshot or output files: columns `o0`, `o1`, ... as VARCHAR, one row per line (under
 * the header of a multi layout), parsed as the transform's DuckDB CSV writer quotes (EXTERN_ID values with commas
 * or quotes). An empty field is NULL, as the transform wrote it. Files must not be empty.
 */
export function snapshotRows(files: readonly string[], layout: SnapshotLayout): string {
  const names = columnNames(layout);
  if (files.length === 0) return `SELECT ${names.map((n) => `NULL::VARCHAR AS ${n}`).join(', ')} WHERE false`;
  const columns = `{${names.map((n) => `${sqlString(n)}: 'VARCHAR'`).join(', ')}}`;
  const list = `[${files.map((f) => sqlString(f)).join(', ')}]`;
  return (
    `SELECT ${names.join(', ')} FROM read_csv(${list}, all_varchar = true, auto_detect = false, columns = ${columns}, ` +
    `header = ${layout.kind === 'multi'}, delim = ',', quote = '"', escape = '"', new_line = '\\n', strict_mode = true, null_padding = false)`
  );
}

/**
 * Compares this run's output with the last snapshot of the audience and writes the records to add and the
 * records to remove, in the transform's layout, limits and file naming, with MD5s. A record is a line (a hash,
 * or a whole multi-key row): rows differing in any field are different records. DuckDB compares them with one
 * grouping over both sides, which spills to disk, so tens of millions of rows fit the memory limit.
 *
 * Output order is reproducible and depends only on the set of records: by a 64-bit hash of the record (a tie,
 * a hash collision, in a fixed order), whatever the thread count or bucket count. Two runs on the same files give
 * the same bytes.
 */
export async function diffSnapshots(options: DiffOptions): Promise<DiffResult> {
  const { layout } = options;
  checkLayout(layout);
  const previous = options.previous ?? [];
  const previousFiles = previous.map((f) => resolve(f));
  const currentFiles = options.current.map((f) => resolve(f));
  for (const file of previousFiles) checkFile(file, layout, 'previous');
  for (const file of currentFiles) checkFile(file, layout, 'current');

  const outDir = resolve(options.outDir);
  const targets = { added: join(outDir, 'added'), removed: join(outDir, 'removed') };
  for (const dir of Object.values(targets)) assertEmptyOutput(dir);
  const staging = { added: join(outDir, `.added.partial-${process.pid}`), removed: join(outDir, `.removed.partial-${process.pid}`) };
  for (const dir of Object.values(staging)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }

  const inputs = [...previousFiles, ...currentFiles];
  const engine = await openEngine({ tempDir: engineTempDir(options.dataDir), memoryLimit: options.memoryLimit, threads: options.threads });
  try {
    const names = columnNames(layout);
    const cols = names.join(', ');
    // Bit 1: in the snapshot, bit 2: in this run. GROUP BY treats NULL fields as equal, as a set difference does.
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE au_diff AS SELECT ${cols}, bit_or(side)::UTINYINT AS side FROM (` +
        `SELECT ${cols}, 1::UTINYINT AS side FROM (${snapshotRows(nonEmpty(previousFiles), layout)}) ` +
        `UNION ALL SELECT ${cols}, 2::UTINYINT AS side FROM (${snapshotRows(nonEmpty(currentFiles), layout)})` +
        `) GROUP BY ALL`,
    );
    const [counts] = await engine.all<{ added: bigint | null; removed: bigint | null; unchanged: bigint | null }>(
      `SELECT count(*) FILTER (WHERE side = 2) AS added, count(*) FILTER (WHERE side = 1) AS removed, count(*) FILTER (WHERE side = 3) AS unchanged FROM au_diff`,
    );
    const bucketBytes = options.bucketBytes ?? BUCKET_BYTES;
    const added = await writeSide(engine, layout, 2, Number(counts?.added ?? 0), bucketBytes, staging.added);
    const removed = await writeSide(engine, layout, 1, Number(counts?.removed ?? 0), bucketBytes, staging.removed);
    await engine.run('DROP TABLE au_diff');
    if (sum(added) !== Number(counts?.added ?? 0) || sum(removed) !== Number(counts?.removed ?? 0)) {
      throw new AuError('AU_INTERNAL', 'diff: the files written do not hold the rows counted');
    }

    for (const side of ['added', 'removed'] as const) {
      if (existsSync(targets[side])) rmdirSync(targets[side]);
      renameSync(staging[side], targets[side]);
    }
    return {
      added: { dir: targets.added, files: added, rows: sum(added) },
      removed: { dir: targets.removed, files: removed, rows: sum(removed) },
      unchanged: Number(counts?.unchanged ?? 0),
    };
  } catch (error) {
    for (const dir of Object.values(staging)) rmSync(dir, { recursive: true, force: true });
    // DuckDB's messages can quote a line (raw EXTERN_ID values): keep only the file and line.
    throw wrapEngineError(error, inputs);
  } finally {
    engine.close();
  }
}

const sum = (files: readonly OutputFile[]) => files.reduce((n, f) => n + f.rows, 0);

/** Files with bytes: DuckDB's reader needs a first line, and an empty file holds no record. */
function nonEmpty(files: readonly string[]): string[] {
  return files.filter((f) => statSync(f).size > 0);
}

/**
 * Writes the records of one side in the transform's layout. Buckets are ranges of the record's 64-bit hash (not
 * the transform's `hash % n`), so the order (by hash) is the same whatever the bucket count; past MAX_BUCKETS,
 * DuckDB's external sort by the same key gives the same order.
 */
async function writeSide(engine: Engine, layout: SnapshotLayout, side: 1 | 2, rows: number, bucketBytes: number, dir: string): Promise<OutputFile[]> {
  if (rows === 0) return [];
  const cols = columnNames(layout).join(', ');
  const wanted = Math.ceil((rows * width(layout) * FIELD_BYTES) / bucketBytes);
  const bits = Math.ceil(Math.log2(Math.max(1, wanted)));
  const buckets = 2 ** bits;
  const bucket = bits === 0 ? '0' : `(__h >> ${64 - bits})`;
  const query =
    `SELECT ${sortKeyColumn('__h')} AS __key, ${cols}, ${bucket} AS ${BUCKET_COLUMN} ` +
    `FROM (SELECT ${cols}, hash(${cols}) AS __h FROM au_diff WHERE side = ${side})`;
  const parts: PartOptions = {
    outDir: dir,
    prefix: layout.filePrefix,
    header: layout.kind === 'multi' ? layout.header!.join(',') : undefined,
    maxBytes: layout.maxFileBytes,
    maxRows: layout.maxRows,
  };
  return buckets <= MAX_BUCKETS ? writeBucketedParts(engine, query, buckets, parts) : writeSortedParts(engine, query, parts);
}

function checkLayout(layout: SnapshotLayout): void {
  const ok =
    layout.kind === 'single' ? layout.header === null : Array.isArray(layout.header) && layout.header.length > 0 && layout.header.every((h) => /^[A-Za-z0-9_]+$/.test(h));
  if (!ok || !/^[A-Za-z0-9_]+$/.test(layout.filePrefix)) {
    throw new AuError('AU_INTERNAL', 'diff: the layout is invalid (a single layout has no header; a multi layout names its columns)');
  }
}

/** A header line of field names (a hash or an id is not one: lower-case hex, or not all capitals). */
const HEADER_LINE = /^[A-Z][A-Z0-9_]*(,[A-Z][A-Z0-9_]*)*$/;
/** A file named as the transform names its files. */
const PART_NAME = /^([A-Za-z0-9_]+)-\d{5}\.csv$/;

/**
 * Checks that a file has the layout: the header of a multi layout as its first line, no header in a single
 * layout, and (when named as the transform names files) the layout's prefix, which for a single layout is the
 * identifier type (EMAIL_SHA256 and PHONE_SHA256 files hold the same kind of lines).
 */
function checkFile(file: string, layout: SnapshotLayout, which: 'previous' | 'current'): void {
  if (!existsSync(file) || !statSync(file).isFile()) throw new AuError('AU_INPUT_NOT_FOUND', `${which} snapshot file ${file} does not exist`, { file });
  const fileHeader = headerOf(file);
  const expected = layout.kind === 'multi' ? layout.header!.join(',') : null;
  const prefix = PART_NAME.exec(basename(file))?.[1];
  const empty = statSync(file).size === 0;
  if ((empty || fileHeader === expected) && (prefix === undefined || prefix === layout.filePrefix)) return;
  const describe = (h: string | null) => (h === null ? 'no header' : `header ${h}`);
  const found = `${describe(fileHeader)}${prefix !== undefined && prefix !== layout.filePrefix ? ` (${prefix} files)` : ''}`;
  const wanted = `${describe(expected)} (${layout.filePrefix} files)`;
  if (which === 'current') {
    throw new AuError('AU_INTERNAL', `diff: this run's output file ${basename(file)} has ${found}, not the layout's ${wanted}`, { file });
  }
  throw new AuError(
    'AU_DIFF_LAYOUT_CHANGED',
    `the audience's snapshot has ${found} but this run has ${wanted}: a mirror cannot diff different identifier sets; ` +
      'a full replace is needed (upload this run with mode replace)',
    { file, previousHeader: fileHeader, currentHeader: expected },
  );
}

/** The file's first line if it is a header of field names, else null. Never returns a record's content. */
function headerOf(file: string): string | null {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(FIRST_LINE_BYTES);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const end = buffer.subarray(0, n).indexOf(10);
    const line = buffer.subarray(0, end === -1 ? n : end).toString('utf8');
    return HEADER_LINE.test(line) ? line : null;
  } finally {
    closeSync(fd);
  }
}

function assertEmptyOutput(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory() || readdirSync(dir).length > 0) {
    throw new AuError('AU_OUTPUT_EXISTS', `output folder ${dir} exists and is not empty; choose a new folder`);
  }
}
