import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

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
