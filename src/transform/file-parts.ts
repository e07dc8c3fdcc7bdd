import { createHash, type Hash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, createReadStream, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sqlString, type Engine } from '../engine/duckdb.js';

export interface OutputFile {
  /** File name, relative to the output folder. */
  path: string;
  /** Data rows, header not counted. */
  rows: number;
  bytes: number;
  /** Lower-case hex MD5 of the file bytes (TikTok's file_signature). */
  md5: string;
}

export interface SplitOptions {
  outDir: string;
  /** Files are named `<prefix>-00001.csv`, ... */
  prefix: string;
  /** Header line without its newline, repeated at the top of every part. */
  header?: string;
  maxBytes?: number;
  maxRows?: number;
}

interface Part {
  fd: number;
  name: string;
  rows: number;
  bytes: number;
  md5: Hash;
}

/**
 * Cuts a newline-terminated file into parts within a byte and row limit, each with the header, computing MD5 as
 * it writes. Cutting a file DuckDB wrote in order keeps the output deterministic and costs one sequential read.
 */
export async function splitIntoParts(source: string, options: SplitOptions): Promise<OutputFile[]> {
  const header = options.header === undefined ? undefined : Buffer.from(`${options.header}\n`);
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const files: OutputFile[] = [];
  let part: Part | undefined;

  const closePart = () => {
    if (!part) return;
    closeSync(part.fd);
    files.push({ path: part.name, rows: part.rows, bytes: part.bytes, md5: part.md5.digest('hex') });
    part = undefined;
  };
  const openPart = () => {
    const name = `${options.prefix}-${String(files.length + 1).padStart(5, '0')}.csv`;
    part = { fd: openSync(join(options.outDir, name), 'wx'), name, rows: 0, bytes: 0, md5: createHash('md5') };
    if (header) write(header);
  };
  const write = (bytes: Buffer) => {
    writeSync(part!.fd, bytes);
    part!.md5.update(bytes);
    part!.bytes += bytes.length;
  };
  const headerBytes = header?.length ?? 0;
  if (headerBytes >= maxBytes) throw new Error('header alone exceeds the file size limit');

  // Lines are gathered into runs written with one call, to keep the per-line cost to a scan.
  const addLines = (chunk: Buffer, lineEnds: number[]) => {
    let start = 0;
    let runStart = 0;
    for (const end of lineEnds) {
      const length = end + 1 - start;
      if (!part) openPart();
      if (part!.rows > 0 && (part!.bytes + (start - runStart) + length > maxBytes || part!.rows >= maxRows)) {
        if (start > runStart) write(chunk.subarray(runStart, start));
        runStart = start;
        closePart();
        openPart();
      }
      if (headerBytes + length > maxBytes) throw new Error(`a single line of ${length} bytes exceeds the file size limit`);
      // Bytes are counted when the run is written; the checks above include the pending run.
      part!.rows += 1;
      start = end + 1;
    }
    if (start > runStart) write(chunk.subarray(runStart, start));
  };

  let carry: Buffer = Buffer.alloc(0);
  for await (const data of createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const chunk = carry.length > 0 ? Buffer.concat([carry, data]) : data;
    const ends: number[] = [];
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) ends.push(at);
    const consumed = ends.length > 0 ? ends[ends.length - 1]! + 1 : 0;
    addLines(chunk.subarray(0, consumed), ends);
    carry = Buffer.from(chunk.subarray(consumed));
  }
  if (carry.length > 0) {
    const chunk = Buffer.concat([carry, Buffer.from('\n')]);
    addLines(chunk, [chunk.length - 1]);
  }
  closePart();
  return files;
}

/**
 * Runs a DuckDB COPY of `query` as CSV into a named pipe that `splitIntoParts` reads at the same time, so the
 * output is written to disk once, and cutting and MD5 run while DuckDB still sorts and hashes.
 */
export async function copyIntoParts(engine: Engine, query: string, options: SplitOptions): Promise<OutputFile[]> {
  const pipe = join(options.outDir, `.copy-${process.pid}.pipe`);
  execFileSync('mkfifo', ['-m', '600', pipe]);
  try {
    const reading = splitIntoParts(pipe, options).catch((error: unknown) => {
      // DuckDB may still wait to open the pipe or write into it: open and close the reading end so it fails.
      releaseOtherEnd(pipe, constants.O_RDONLY);
      return { error };
    });
    const copying = engine.run(`COPY (${query}) TO ${sqlString(pipe)} (FORMAT csv, HEADER false)`).catch((error: unknown) => {
      // If DuckDB failed before opening the pipe, the reader still waits for a writer.
      releaseOtherEnd(pipe, constants.O_WRONLY);
      return { error };
    });
    const [files, copied] = await Promise.all([reading, copying]);
    // The reader's error says more (a line over the limit) than DuckDB's broken pipe that follows from it.
    if ('error' in files) throw files.error;
    if (copied && 'error' in copied) throw copied.error;
    return files;
  } finally {
    rmSync(pipe, { force: true });
  }
}

function releaseOtherEnd(pipe: string, mode: number): void {
  try {
    closeSync(openSync(pipe, mode | constants.O_NONBLOCK));
  } catch {
    // Nobody waiting at the other end (ENXIO): nothing to release.
  }
}
