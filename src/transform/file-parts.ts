import { closeSync, createReadStream, existsSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sqlString, type Engine } from '../engine/duckdb.js';
import { Md5Worker } from './md5-worker.js';

export interface OutputFile {
  /** File name, relative to the output folder. */
  path: string;
  /** Data rows, header not counted. */
  rows: number;
  bytes: number;
  /** Lower-case hex MD5 of the file bytes (TikTok's file_signature). */
  md5: string;
}

export interface PartOptions {
  outDir: string;
  /** Files are named `<prefix>-00001.csv`, ... */
  prefix: string;
  /** Header line without its newline, at the top of every file. */
  header?: string;
  maxBytes?: number;
  maxRows?: number;
}

interface OpenPart {
  fd: number;
  name: string;
  rows: number;
  bytes: number;
  /** The file's number, for its MD5 on the worker. */
  id: number;
  /** Lines not yet written. */
  pending: Buffer[];
  pendingBytes: number;
}

const FLUSH_BYTES = 1 << 20;

/**
 * Writes lines into numbered files within a byte and row limit, each with the header; the MD5 of each file is
 * computed on a worker thread as it is written.
 */
export class PartWriter {
  private readonly files: (Omit<OutputFile, 'md5'> & { md5: Promise<string> })[] = [];
  private readonly md5 = new Md5Worker();
  private part: OpenPart | undefined;
  private readonly header: Buffer | undefined;
  private readonly maxBytes: number;
  private readonly maxRows: number;

  constructor(private readonly options: PartOptions) {
    this.header = options.header === undefined ? undefined : Buffer.from(`${options.header}\n`);
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
    if ((this.header?.length ?? 0) >= this.maxBytes) throw new Error('header alone exceeds the file size limit');
  }

  /** One line, its newline included. The buffer must stay unchanged until the writer is closed or flushed. */
  writeLine(line: Buffer): void {
    if ((this.header?.length ?? 0) + line.length > this.maxBytes) throw new Error(`a single line of ${line.length} bytes exceeds the file size limit`);
    if (this.part && (this.part.rows >= this.maxRows || this.part.bytes + this.part.pendingBytes + line.length > this.maxBytes)) this.closePart();
    const part = this.part ?? this.openPart();
    part.pending.push(line);
    part.pendingBytes += line.length;
    part.rows += 1;
    if (part.pendingBytes >= FLUSH_BYTES) this.flush(part);
  }

  /** Writes out what is pending (so the buffers given to `writeLine` may be reused) and lets the MD5s catch up. */
  async flushPending(): Promise<void> {
    if (this.part) this.flush(this.part);
    await this.md5.drain();
  }

  async close(): Promise<OutputFile[]> {
    try {
      this.closePart();
      const files: OutputFile[] = [];
      for (const file of this.files) files.push({ ...file, md5: await file.md5 });
      return files;
    } finally {
      await this.md5.close();
    }
  }

  /** Closes the open file and stops the MD5 worker, after a failure. */
  async abort(): Promise<void> {
    if (this.part) closeSync(this.part.fd);
    this.part = undefined;
    await this.md5.close();
  }

  private openPart(): OpenPart {
    const name = `${this.options.prefix}-${String(this.files.length + 1).padStart(5, '0')}.csv`;
    const part: OpenPart = { fd: openSync(join(this.options.outDir, name), 'wx'), name, rows: 0, bytes: 0, id: this.files.length, pending: [], pendingBytes: 0 };
    this.part = part;
    if (this.header) {
      part.pending.push(this.header);
      part.pendingBytes += this.header.length;
    }
    return part;
  }

  private flush(part: OpenPart): void {
    if (part.pending.length === 0) return;
    const bytes = Buffer.concat(part.pending, part.pendingBytes);
    writeSync(part.fd, bytes);
    part.bytes += bytes.length;
    this.md5.update(part.id, bytes);
    part.pending = [];
    part.pendingBytes = 0;
  }

  private closePart(): void {
    const part = this.part;
    if (!part) return;
    this.flush(part);
    closeSync(part.fd);
    this.files.push({ path: part.name, rows: part.rows, bytes: part.bytes, md5: this.md5.digest(part.id) });
    this.part = undefined;
  }
}

/** Name of the bucket column the output query must give; it is not written. */
export const BUCKET_COLUMN = '__bucket';
/** Hex digits of the sort key the output query must give as its first column; it is not written. */
export const SORT_KEY_WIDTH = 16;
/** Rows a partitioned write holds per thread before writing them: about 30 MB of hashed output rows. */
const PARTITION_FLUSH_ROWS = 65_536;
/** Leading hex digits of the key compared as a number: 13 digits (52 bits) are exact in a double. */
const NUMERIC_KEY_DIGITS = 13;

/** The key and bucket columns for `writeBucketedParts`, both from one 64-bit hash of the row. */
export function bucketColumns(hashExpr: string, bucketCount: number): { key: string; bucket: string } {
  return { key: `lpad(to_hex(${hashExpr}), ${SORT_KEY_WIDTH}, '0')`, bucket: `${hashExpr} % ${bucketCount}` };
}

const hexValue = (byte: number) => (byte <= 57 ? byte - 48 : (byte | 32) - 87);

/**
 * The lines of a bucket in a reproducible order: by the numeric value of their key's leading digits, ties (rare)
 * by the bytes of the whole line. Sorting indexes over one buffer avoids a string per line.
 */
export function sortBucketLines(data: Buffer): { starts: Uint32Array; ends: Uint32Array; order: Uint32Array } {
  let count = 0;
  for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10, at + 1)) count += 1;
  if (data.length > 0 && data[data.length - 1] !== 10) throw new Error('bucket file does not end with a newline');
  const starts = new Uint32Array(count);
  const ends = new Uint32Array(count);
  const keys = new Float64Array(count);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = data.indexOf(10, start);
    starts[i] = start;
    ends[i] = end + 1;
    let key = 0;
    for (let k = 0; k < NUMERIC_KEY_DIGITS; k++) key = key * 16 + hexValue(data[start + k]!);
    keys[i] = key;
    start = end + 1;
  }
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => keys[a]! - keys[b]! || data.compare(data, starts[b]!, ends[b]!, starts[a]!, ends[a]!));
  return { starts, ends, order };
}

/**
 * The rows of `query` (as for `writeBucketedParts`, without using the buckets) sorted by DuckDB, which spills to
 * disk, then cut into files as they stream in. Slower than buckets, but memory stays bounded at any size.
 */
export async function writeSortedParts(engine: Engine, query: string, options: PartOptions): Promise<OutputFile[]> {
  const sorted = join(options.outDir, '.sorted.csv');
  const writer = new PartWriter(options);
  try {
    await engine.run(`COPY (SELECT * EXCLUDE (${BUCKET_COLUMN}) FROM (${query}) ORDER BY ALL) TO ${sqlString(sorted)} (FORMAT csv, HEADER false)`);
    let carry: Buffer = Buffer.alloc(0);
    for await (const chunk of createReadStream(sorted, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
        writer.writeLine(data.subarray(start + SORT_KEY_WIDTH + 1, end + 1));
        start = end + 1;
      }
      carry = data.subarray(start);
      await writer.flushPending();
    }
    if (carry.length > 0) throw new Error('sorted output does not end with a newline');
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    rmSync(sorted, { force: true });
  }
  return writer.close();
}

/** The files' bytes, one after the other, read straight into one buffer (no second copy of a bucket). */
function readFilesInto(paths: readonly string[]): Buffer {
  const sizes = paths.map((path) => statSync(path).size);
  const data = Buffer.allocUnsafe(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  paths.forEach((path, i) => {
    const fd = openSync(path, 'r');
    try {
      let done = 0;
      while (done < sizes[i]!) {
        const n = readSync(fd, data, offset + done, sizes[i]! - done, null);
        if (n === 0) throw new Error(`${path} is shorter than its size`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    offset += sizes[i]!;
  });
  return data;
}

/**
 * Writes the rows of `query` into files, reproducibly without a global sort (which costs DuckDB more than all the
 * hashing). The query's first column is a sort key, and it has a BUCKET_COLUMN from 0 to bucketCount - 1 (see
 * `bucketColumns`). DuckDB writes the buckets unordered and in parallel; then, bucket after bucket, the lines
 * (few enough to hold in memory) are sorted and appended to the files without their key, cut at the limits.
 * Same rows in, same buckets, same order, same files.
 */
export async function writeBucketedParts(engine: Engine, query: string, bucketCount: number, options: PartOptions): Promise<OutputFile[]> {
  const bucketsDir = join(options.outDir, '.buckets');
  rmSync(bucketsDir, { recursive: true, force: true });
  try {
    // A partitioned write buffers up to this many rows per thread before writing them out; DuckDB's default
    // (half a million wide rows per thread) alone exceeds the memory limit.
    await engine.run(`SET partitioned_write_flush_threshold = ${PARTITION_FLUSH_ROWS}`);
    await engine.run(
      `COPY (${query}) TO ${sqlString(bucketsDir)} (FORMAT csv, HEADER false, PARTITION_BY (${BUCKET_COLUMN}), FILENAME_PATTERN 'part_{i}')`,
    );
    const writer = new PartWriter(options);
    try {
      for (let bucket = 0; bucket < bucketCount; bucket++) {
        const dir = join(bucketsDir, `${BUCKET_COLUMN}=${bucket}`);
        if (!existsSync(dir)) continue;
        const data = readFilesInto(readdirSync(dir).sort().map((file) => join(dir, file)));
        const { starts, ends, order } = sortBucketLines(data);
        for (const i of order) writer.writeLine(data.subarray(starts[i]! + SORT_KEY_WIDTH + 1, ends[i]!));
        await writer.flushPending();
        rmSync(dir, { recursive: true });
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return writer.close();
  } finally {
    rmSync(bucketsDir, { recursive: true, force: true });
  }
}
