import { closeSync, createReadStream, existsSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sqlString, type Engine } from '../engine/duckdb.js';
import { FileWorker } from './file-worker.js';

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
  name: string;
  rows: number;
  /** Bytes of the file, pending ones included. */
  bytes: number;
  /** The file's number, for the worker. */
  id: number;
}

/**
 * Lines are copied into chunks of this size, each written with one write() and hashed by the file worker. Copying
 * a line costs less than keeping a Buffer object per line and concatenating them later (measured: the Node side of
 * a 5 M-row Meta output spent a third of its time in Buffer.subarray and Buffer.concat).
 */
const CHUNK_BYTES = 1 << 20;

/**
 * A buffer of `size` bytes for `PartWriter.writeLines`: the chunk it gathers lines in lies right after them, in
 * the same ArrayBuffer. `reuse`, an earlier such buffer, is taken again when it has room: its pages are already
 * mapped, and faulting in fresh ones cost more than reading the bytes into them.
 */
export function allocLineBuffer(size: number, reuse?: Buffer): Buffer {
  if (reuse && reuse.byteOffset === 0 && reuse.buffer.byteLength >= size + CHUNK_BYTES) return Buffer.from(reuse.buffer, 0, size);
  // Some headroom, so that a slightly bigger next bucket still fits.
  return Buffer.from(new ArrayBuffer(Math.ceil(size * 1.125) + CHUNK_BYTES), 0, size);
}

/**
 * File workers a writer hashes and writes with. Files are independent, so two workers hash two files at once:
 * MD5 runs at about 700 MB/s, and with one worker it was what the whole write waited on.
 */
const FILE_WORKERS = Math.min(2, availableParallelism());

/**
 * Writes lines into numbered files within a byte and row limit, each with the header. The files are written, and
 * their MD5s computed, on worker threads (`FileWorker`) as the lines come, file after file in turn.
 */
export class PartWriter {
  private readonly files: (Omit<OutputFile, 'md5'> & { md5: Promise<string> })[] = [];
  /** Chunks the workers have written and handed back, to fill again. */
  private readonly spareChunks: ArrayBuffer[] = [];
  private readonly workers = Array.from({ length: FILE_WORKERS }, () => new FileWorker((buffer) => this.recycle(buffer)));
  private part: OpenPart | undefined;
  private readonly header: Buffer | undefined;
  private readonly maxBytes: number;
  private readonly maxRows: number;
  /**
   * Bytes of the open file not yet handed to the worker: `chunkUsed` bytes at the start of `chunk`. The chunk is
   * the writer's own (`ownChunk`, transferred to the worker when full) or, during `writeLines`, the room after the
   * lines (copied when full).
   */
  private ownChunk = Buffer.from(this.takeChunk());
  private chunk: Buffer = this.ownChunk;
  private chunkUsed = 0;

  constructor(private readonly options: PartOptions) {
    this.header = options.header === undefined ? undefined : Buffer.from(`${options.header}\n`);
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
    if ((this.header?.length ?? 0) >= this.maxBytes) throw new Error('header alone exceeds the file size limit');
  }

  /** One line, its newline included: the bytes `start` to `end` of `data`, which are copied. */
  writeLine(data: Buffer, start = 0, end = data.length): void {
    const part = this.partFor(end - start);
    this.append(part, data, start, end);
    part.rows += 1;
  }

  /**
   * Lines `order[0]`, `order[1]`, ...: line `i` is the bytes `starts[i] + skip` to `ends[i]` of `data`, a buffer
   * from `allocLineBuffer`. They are gathered in the room after `data` with copyWithin, which costs less than half
   * of what Buffer.copy costs per line, and all are written when this returns.
   */
  writeLines(data: Buffer, starts: Uint32Array, ends: Uint32Array, order: Uint32Array, skip: number): void {
    if (data.byteOffset !== 0 || data.buffer.byteLength < data.length + CHUNK_BYTES) throw new Error('writeLines needs a buffer from allocLineBuffer');
    if (this.part) this.flush(this.part);
    this.chunk = Buffer.from(data.buffer, data.length, CHUNK_BYTES);
    const bytes = new Uint8Array(data.buffer);
    try {
      let part = this.part;
      for (let k = 0; k < order.length; k++) {
        const i = order[k]!;
        const start = starts[i]! + skip;
        const end = ends[i]!;
        const length = end - start;
        // The common case inline: the line fits the open file and the chunk.
        if (!part || part.rows >= this.maxRows || part.bytes + length > this.maxBytes || this.chunkUsed + length > CHUNK_BYTES) {
          part = this.partFor(length);
          if (this.chunkUsed + length > CHUNK_BYTES) this.flush(part);
          if (length > CHUNK_BYTES) {
            this.append(part, data, start, end);
            part.rows += 1;
            continue;
          }
        }
        bytes.copyWithin(data.length + this.chunkUsed, start, end);
        this.chunkUsed += length;
        part.bytes += length;
        part.rows += 1;
      }
      if (this.part) this.flush(this.part);
    } finally {
      this.chunk = this.ownChunk;
      this.chunkUsed = 0;
    }
  }

  /** Lets the workers catch up, so the bytes in flight to them stay bounded. */
  async flushPending(): Promise<void> {
    for (const worker of this.workers) await worker.drain();
  }

  async close(): Promise<OutputFile[]> {
    try {
      this.closePart();
      const files: OutputFile[] = [];
      for (const file of this.files) files.push({ ...file, md5: await file.md5 });
      return files;
    } finally {
      await Promise.all(this.workers.map((worker) => worker.terminate()));
    }
  }

  /** Closes the open files and stops the workers, after a failure. */
  async abort(): Promise<void> {
    this.part = undefined;
    await Promise.all(this.workers.map((worker) => worker.abort()));
  }

  private workerOf(part: OpenPart): FileWorker {
    return this.workers[part.id % this.workers.length]!;
  }

  private takeChunk(): ArrayBuffer {
    return this.spareChunks.pop() ?? new ArrayBuffer(CHUNK_BYTES);
  }

  private recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength === CHUNK_BYTES) this.spareChunks.push(buffer);
  }

  /** The file a line of `length` bytes goes to: the open one, or a new one when it would exceed a limit. */
  private partFor(length: number): OpenPart {
    if ((this.header?.length ?? 0) + length > this.maxBytes) throw new Error(`a single line of ${length} bytes exceeds the file size limit`);
    if (this.part && (this.part.rows >= this.maxRows || this.part.bytes + length > this.maxBytes)) this.closePart();
    return this.part ?? this.openPart();
  }

  private openPart(): OpenPart {
    const name = `${this.options.prefix}-${String(this.files.length + 1).padStart(5, '0')}.csv`;
    const part: OpenPart = { name, rows: 0, bytes: 0, id: this.files.length };
    this.workerOf(part).open(part.id, join(this.options.outDir, name));
    this.part = part;
    if (this.header) this.append(part, this.header, 0, this.header.length);
    return part;
  }

  private append(part: OpenPart, data: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.chunkUsed + length > CHUNK_BYTES) this.flush(part);
    if (length > CHUNK_BYTES) {
      // A line longer than a chunk (only possible with raw fields) is written on its own.
      this.write(part, data.subarray(start, end));
    } else {
      data.copy(this.chunk, this.chunkUsed, start, end);
      this.chunkUsed += length;
    }
    part.bytes += length;
  }

  private flush(part: OpenPart): void {
    if (this.chunkUsed === 0) return;
    this.write(part, this.chunk.subarray(0, this.chunkUsed));
    this.chunkUsed = 0;
  }

  /** Hands `bytes` to the part's worker, which appends them to the file and to its MD5. */
  private write(part: OpenPart, bytes: Buffer): void {
    const worker = this.workerOf(part);
    if (bytes.buffer === this.ownChunk.buffer) {
      // Transferred without a copy; the writer takes another chunk.
      worker.write(part.id, this.ownChunk.buffer as ArrayBuffer, bytes.length);
      this.ownChunk = Buffer.from(this.takeChunk());
      if (this.chunk.buffer === bytes.buffer) this.chunk = this.ownChunk;
    } else {
      const copy = Buffer.from(bytes.length <= CHUNK_BYTES ? this.takeChunk() : new ArrayBuffer(bytes.length));
      bytes.copy(copy);
      worker.write(part.id, copy.buffer as ArrayBuffer, bytes.length);
    }
  }

  private closePart(): void {
    const part = this.part;
    if (!part) return;
    this.flush(part);
    const md5 = this.workerOf(part).close(part.id);
    // Awaited in close(); until then, a failure of the worker must not count as an unhandled rejection (it is
    // reported by the next write or drain, or by close()).
    md5.catch(() => undefined);
    this.files.push({ path: part.name, rows: part.rows, bytes: part.bytes, md5 });
    this.part = undefined;
  }
}

/** Name of the bucket column the output query must give; it is not written. */
export const BUCKET_COLUMN = '__bucket';
/** Hex digits of the sort key the output query must give as its first column; it is not written. */
export const SORT_KEY_WIDTH = 16;
/** Rows a partitioned write holds per thread before writing them: about 30 MB of hashed output rows. */
const PARTITION_FLUSH_ROWS = 65_536;

/** The sort key column (`keyed` writes) from a 64-bit hash of the row: its hex digits, zero-padded. */
export function sortKeyColumn(hashExpr: string): string {
  return `lpad(to_hex(${hashExpr}), ${SORT_KEY_WIDTH}, '0')`;
}

/**
 * The fields as one column, for `writeBucketedParts` with `lineColumn` and `keyed: false`: the line the CSV writer
 * would write for `fields` (NULL as an empty field) when no field needs quoting.
 */
export function bucketLine(fields: readonly string[]): string {
  return `concat(${fields.map((f) => `coalesce(${f}, '')`).join(`, ',', `)})`;
}

/** Value of a hex digit by its character code. */
const HEX_VALUE = new Uint8Array(256);
for (let d = 0; d < 10; d++) HEX_VALUE[48 + d] = d;
for (let d = 0; d < 6; d++) HEX_VALUE[65 + d] = HEX_VALUE[97 + d] = 10 + d;
/** Index of the low 32 bits of a 64-bit element in its two 32-bit words. */
const LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * The lines of a bucket in a reproducible order. Each line's sort key is its first 16 bytes read as hex digits (a
 * byte that is not one counts as 0; a shorter line is padded with zeros), ties by the bytes of the line. For lines
 * that start with a hex key (`sortKeyColumn`), that is their byte order. `ends[i]` is where line `i` ends, its
 * newline included.
 *
 * A comparison function per pair costs JavaScript calls; instead each line gets one 64-bit number, its key's
 * leading bits with the line's index in the low bits, and a typed array of those sorts natively. Lines whose
 * leading key bits are equal (the index bits took the rest) are then put in byte order among themselves.
 */
export function sortBucketLines(data: Buffer): { starts: Uint32Array; ends: Uint32Array; order: Uint32Array } {
  if (data.length > 0 && data[data.length - 1] !== 10) throw new Error('bucket file does not end with a newline');
  // One pass finds the lines (bounds[i] is where line i starts and line i - 1 ends) and reads each key right after
  // its line was scanned, while its bytes are still in the CPU cache: read in a second pass, 400-byte lines apart,
  // each key cost a cache miss, which took four times as long as the scan. The arrays grow if lines are short.
  let capacity = Math.ceil(data.length / 256) + 2;
  let bounds = new Uint32Array(capacity);
  let keys = new Uint32Array(2 * capacity);
  let count = 0;
  for (let start = 0; start < data.length; ) {
    if (count + 1 >= capacity) {
      capacity *= 2;
      const grownBounds = new Uint32Array(capacity);
      grownBounds.set(bounds);
      bounds = grownBounds;
      const grownKeys = new Uint32Array(2 * capacity);
      grownKeys.set(keys);
      keys = grownKeys;
    }
    const newline = data.indexOf(10, start);
    let high = 0;
    let low = 0;
    if (newline - start >= SORT_KEY_WIDTH) {
      for (let k = 0; k < 8; k++) high = high * 16 + HEX_VALUE[data[start + k]!]!;
      for (let k = 8; k < 16; k++) low = low * 16 + HEX_VALUE[data[start + k]!]!;
    } else {
      // A short line (a raw field): its own bytes only, the rest as zeros.
      for (let k = 0; k < 8; k++) high = high * 16 + (start + k < newline ? HEX_VALUE[data[start + k]!]! : 0);
      for (let k = 8; k < 16; k++) low = low * 16 + (start + k < newline ? HEX_VALUE[data[start + k]!]! : 0);
    }
    keys[2 * count + 1 - LOW_WORD] = high;
    keys[2 * count + LOW_WORD] = low;
    bounds[count++] = start;
    start = newline + 1;
  }
  bounds[count] = data.length;
  const indexBits = 32 - Math.clz32(count);
  const packed = new BigUint64Array(keys.buffer, 0, count);
  for (let i = 0; i < count; i++) keys[2 * i + LOW_WORD] = ((keys[2 * i + LOW_WORD]! >>> indexBits) << indexBits) | i;
  packed.sort();
  const order = new Uint32Array(count);
  const indexMask = 2 ** indexBits - 1;
  for (let i = 0; i < count; i++) order[i] = keys[2 * i + LOW_WORD]! & indexMask;
  const starts = bounds.subarray(0, count);
  const ends = bounds.subarray(1, count + 1);
  for (let first = 0; first < count; ) {
    const high = keys[2 * first + 1 - LOW_WORD];
    const leading = keys[2 * first + LOW_WORD]! >>> indexBits;
    let next = first + 1;
    while (next < count && keys[2 * next + 1 - LOW_WORD] === high && keys[2 * next + LOW_WORD]! >>> indexBits === leading) next += 1;
    if (next - first > 1) {
      order.subarray(first, next).sort((a, b) => data.compare(data, starts[b]!, ends[b]!, starts[a]!, ends[a]!));
    }
    first = next;
  }
  return { starts, ends, order };
}

/**
 * The rows of `query` (as for `writeBucketedParts`, without using the buckets) sorted by DuckDB, which spills to
 * disk, then cut into files as they stream in. Slower than buckets, but memory stays bounded at any size.
 */
export async function writeSortedParts(engine: Engine, query: string, options: PartOptions, { keyed = true }: { keyed?: boolean } = {}): Promise<OutputFile[]> {
  const skip = keyed ? SORT_KEY_WIDTH + 1 : 0;
  const sorted = join(options.outDir, '.sorted.csv');
  const writer = new PartWriter(options);
  try {
    await engine.run(`COPY (SELECT * EXCLUDE (${BUCKET_COLUMN}) FROM (${query}) ORDER BY ALL) TO ${sqlString(sorted)} (FORMAT csv, HEADER false)`);
    let carry: Buffer = Buffer.alloc(0);
    for await (const chunk of createReadStream(sorted, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
        writer.writeLine(data, start + skip, end + 1);
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

/**
 * The files' bytes, one after the other, read straight into one buffer (no second copy of a bucket); into `reuse`
 * (see `allocLineBuffer`) when it has room.
 */
function readFilesInto(paths: readonly string[], reuse?: Buffer): Buffer {
  const sizes = paths.map((path) => statSync(path).size);
  const data = allocLineBuffer(sizes.reduce((a, b) => a + b, 0), reuse);
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
 * hashing). The query has a BUCKET_COLUMN from 0 to bucketCount - 1, and its first column is a sort key (see
 * `sortKeyColumn`), or with `keyed: false` the rows are their own sort key (`sortBucketLines`); with
 * `lineColumn`, its first column is the whole line (`bucketLine`, or the fields joined without a key). DuckDB
 * writes the buckets unordered and in parallel; then, bucket after bucket, the lines (few enough to hold in
 * memory) are sorted and appended to the files without their key, cut at the limits. Same rows in, same buckets,
 * same order, same files.
 */
export async function writeBucketedParts(
  engine: Engine,
  query: string,
  bucketCount: number,
  options: PartOptions,
  { lineColumn = false, keyed = true }: { lineColumn?: boolean; keyed?: boolean } = {},
): Promise<OutputFile[]> {
  const bucketsDir = join(options.outDir, '.buckets');
  rmSync(bucketsDir, { recursive: true, force: true });
  const removals: Promise<void>[] = [];
  try {
    // A partitioned write buffers up to this many rows per thread before writing them out; DuckDB's default
    // (half a million wide rows per thread) alone exceeds the memory limit.
    await engine.run(`SET partitioned_write_flush_threshold = ${PARTITION_FLUSH_ROWS}`);
    // A line column (`bucketLine`) holds commas, and no tab, quote or line break: with tab as the delimiter, the
    // writer writes it as it is.
    const delimiter = lineColumn ? `, DELIMITER '\t'` : '';
    await engine.run(
      `COPY (${query}) TO ${sqlString(bucketsDir)} (FORMAT csv, HEADER false${delimiter}, PARTITION_BY (${BUCKET_COLUMN}), FILENAME_PATTERN 'part_{i}')`,
    );
    const writer = new PartWriter(options);
    const times = { read: 0, sort: 0, write: 0, wait: 0 };
    let last = performance.now();
    const lap = (step: keyof typeof times) => {
      const now = performance.now();
      times[step] += now - last;
      last = now;
    };
    let data: Buffer | undefined;
    try {
      for (let bucket = 0; bucket < bucketCount; bucket++) {
        const dir = join(bucketsDir, `${BUCKET_COLUMN}=${bucket}`);
        if (!existsSync(dir)) continue;
        data = readFilesInto(readdirSync(dir).sort().map((file) => join(dir, file)), data);
        lap('read');
        const { starts, ends, order } = sortBucketLines(data);
        lap('sort');
        writer.writeLines(data, starts, ends, order, keyed ? SORT_KEY_WIDTH + 1 : 0);
        lap('write');
        await writer.flushPending();
        lap('wait');
        // Deleting a bucket's files takes a while; a thread of libuv's pool does it meanwhile (what it leaves, the
        // final rmSync removes).
        removals.push(rm(dir, { recursive: true }).catch(() => undefined));
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    const files = await writer.close();
    lap('wait');
    // With AU_DEBUG_SQL (the engine's statement timings), also where the time after the COPY went.
    if (process.env.AU_DEBUG_SQL) {
      const ms = (step: keyof typeof times) => `${step} ${times[step].toFixed(0)} ms`;
      process.stderr.write(`[node] ${bucketCount} buckets: ${ms('read')}, ${ms('sort')}, ${ms('write')}, ${ms('wait')} (MD5s catching up)\n`);
    }
    return files;
  } finally {
    await Promise.all(removals);
    rmSync(bucketsDir, { recursive: true, force: true });
  }
}
