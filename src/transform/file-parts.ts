import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
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
  md5: Hash;
  /** Lines not yet written, as a binary ('latin1') string: one character per byte. */
  pending: string[];
  pendingBytes: number;
}

const FLUSH_BYTES = 1 << 20;

/**
 * Writes lines into numbered files within a byte and row limit, each with the header, computing MD5 as it
 * writes. Lines are binary strings (decoded as 'latin1', one character per byte), so any UTF-8 content passes
 * through byte for byte and sorts in byte order.
 */
export class PartWriter {
  private readonly files: OutputFile[] = [];
  private part: OpenPart | undefined;
  private readonly header: string | undefined;
  private readonly maxBytes: number;
  private readonly maxRows: number;

  constructor(private readonly options: PartOptions) {
    this.header = options.header === undefined ? undefined : Buffer.from(`${options.header}\n`).toString('latin1');
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
    if ((this.header?.length ?? 0) >= this.maxBytes) throw new Error('header alone exceeds the file size limit');
  }

  /** One line, without its newline. */
  writeLine(line: string): void {
    const length = line.length + 1;
    if ((this.header?.length ?? 0) + length > this.maxBytes) throw new Error(`a single line of ${length} bytes exceeds the file size limit`);
    if (this.part && (this.part.rows >= this.maxRows || this.part.bytes + this.part.pendingBytes + length > this.maxBytes)) this.closePart();
    const part = this.part ?? this.openPart();
    part.pending.push(line);
    part.pendingBytes += length;
    part.rows += 1;
    if (part.pendingBytes >= FLUSH_BYTES) this.flush(part);
  }

  close(): OutputFile[] {
    this.closePart();
    return this.files;
  }

  private openPart(): OpenPart {
    const name = `${this.options.prefix}-${String(this.files.length + 1).padStart(5, '0')}.csv`;
    const part: OpenPart = { fd: openSync(join(this.options.outDir, name), 'wx'), name, rows: 0, bytes: 0, md5: createHash('md5'), pending: [], pendingBytes: 0 };
    this.part = part;
    if (this.header) {
      const header = Buffer.from(this.header, 'latin1');
      writeSync(part.fd, header);
      part.md5.update(header);
      part.bytes += header.length;
    }
    return part;
  }

  private flush(part: OpenPart): void {
    if (part.pending.length === 0) return;
    const bytes = Buffer.from(`${part.pending.join('\n')}\n`, 'latin1');
    writeSync(part.fd, bytes);
    part.md5.update(bytes);
    part.bytes += bytes.length;
    part.pending = [];
    part.pendingBytes = 0;
  }

  private closePart(): void {
    const part = this.part;
    if (!part) return;
    this.flush(part);
    closeSync(part.fd);
    this.files.push({ path: part.name, rows: part.rows, bytes: part.bytes, md5: part.md5.digest('hex') });
    this.part = undefined;
  }
}

/** Name of the bucket column the output query must give; it is not written. */
export const BUCKET_COLUMN = '__bucket';
/** Characters of the sort key the output query must give as its first column; it is not written. */
export const SORT_KEY_WIDTH = 16;

/**
 * The key and bucket columns for `writeBucketedParts`, from a 64-bit hash of the row: the key as fixed-width hex
 * so that sorting lines compares a few random characters instead of long shared prefixes.
 */
export function bucketColumns(hashExpr: string, bucketCount: number): { key: string; bucket: string } {
  return { key: `lpad(to_hex(${hashExpr}), ${SORT_KEY_WIDTH}, '0')`, bucket: `${hashExpr} % ${bucketCount}` };
}

/**
 * Writes the rows of `query` into files, reproducibly without a global sort (which costs DuckDB more than all the
 * hashing). The query's first column is a sort key (SORT_KEY_WIDTH characters), and it has a BUCKET_COLUMN from 0
 * to bucketCount - 1 (see `bucketColumns`). DuckDB writes each bucket unordered and in parallel; then, bucket after
 * bucket, the lines (few enough to hold in memory) are sorted and appended to the files without their key, cut at
 * the limits. Same rows in, same buckets, same order, same files.
 */
export async function writeBucketedParts(engine: Engine, query: string, bucketCount: number, options: PartOptions): Promise<OutputFile[]> {
  const bucketsDir = join(options.outDir, '.buckets');
  rmSync(bucketsDir, { recursive: true, force: true });
  try {
    await engine.run(
      `COPY (${query}) TO ${sqlString(bucketsDir)} (FORMAT csv, HEADER false, PARTITION_BY (${BUCKET_COLUMN}), FILENAME_PATTERN 'part_{i}')`,
    );
    const writer = new PartWriter(options);
    for (let bucket = 0; bucket < bucketCount; bucket++) {
      const dir = join(bucketsDir, `${BUCKET_COLUMN}=${bucket}`);
      if (!existsSync(dir)) continue;
      const text = Buffer.concat(readdirSync(dir).sort().map((file) => readFileSync(join(dir, file)))).toString('latin1');
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      // The default sort compares UTF-16 code units: for binary strings, byte order; ties on the key fall
      // through to the rest of the line, so the order is total.
      lines.sort();
      for (const line of lines) writer.writeLine(line.slice(SORT_KEY_WIDTH + 1));
    }
    return writer.close();
  } finally {
    rmSync(bucketsDir, { recursive: true, force: true });
  }
}
