import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { AuError } from '../errors.js';
import { FORMAT_LABELS, type Compression, type HeadStats, type JsonLayout, type SourceFile, type SourceFormat, type TextEncoding } from './types.js';

/** How much of a file (decompressed) detection looks at. */
export const PEEK_BYTES = 128 * 1024;

/** What a file's name claims. Spark-style part names (`part-00000-…c000`) claim nothing. */
export function formatFromName(name: string): { format?: SourceFormat; gzip: boolean } {
  let lower = basename(name).toLowerCase();
  const gzip = /\.(gz|gzip)$/.test(lower);
  if (gzip) lower = lower.replace(/\.(gz|gzip)$/, '');
  const ext = /\.([a-z0-9]+)$/.exec(lower)?.[1];
  switch (ext) {
    case 'csv':
    case 'tsv':
    case 'psv':
    case 'tab':
      return { format: 'csv', gzip };
    case 'json':
    case 'jsonl':
    case 'ndjson':
    case 'jsonlines':
      return { format: 'json', gzip };
    case 'parquet':
    case 'parq':
    case 'pq':
      return { format: 'parquet', gzip };
    default:
      return { gzip };
  }
}

/** What the first bytes of a file are. */
export type ContentClass =
  | { kind: 'gzip' }
  | { kind: 'parquet' }
  | { kind: 'archive'; label: string }
  | { kind: 'binary'; utf16WithoutBom: boolean }
  | { kind: 'utf16be' }
  | { kind: 'blank' }
  | { kind: 'text'; format: 'csv' | 'json'; encoding: TextEncoding; jsonLayout?: JsonLayout; text: string };

const ARCHIVES: { magic: number[]; label: string }[] = [
  { magic: [0x50, 0x4b, 0x03, 0x04], label: 'a ZIP archive (or an Excel .xlsx workbook)' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], label: 'zstd-compressed' },
  { magic: [0x42, 0x5a, 0x68], label: 'bzip2-compressed' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], label: 'xz-compressed' },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], label: 'a 7-Zip archive' },
  { magic: [0x4f, 0x62, 0x6a, 0x01], label: 'Avro' },
  { magic: [0x4f, 0x52, 0x43], label: 'ORC' },
  { magic: [0xd0, 0xcf, 0x11, 0xe0], label: 'an old Excel .xls workbook' },
];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** Classifies content from its first bytes. */
export function classifyContent(head: Uint8Array): ContentClass {
  if (startsWith(head, [0x1f, 0x8b])) return { kind: 'gzip' };
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31])) return { kind: 'parquet' };
  for (const archive of ARCHIVES) if (startsWith(head, archive.magic)) return { kind: 'archive', label: archive.label };
  if (startsWith(head, [0xfe, 0xff])) return { kind: 'utf16be' };

  let text: string;
  let encoding: TextEncoding = 'utf-8';
  if (startsWith(head, [0xff, 0xfe])) {
    encoding = 'utf-16';
    text = new TextDecoder('utf-16le').decode(head.subarray(2));
  } else {
    const body = startsWith(head, [0xef, 0xbb, 0xbf]) ? head.subarray(3) : head;
    const binary = binaryVerdict(body);
    if (binary) return binary;
    text = new TextDecoder('utf-8').decode(body);
  }
  if (text.trim() === '') return { kind: 'blank' };
  const format = looksLikeJson(text) ? 'json' : 'csv';
  if (format === 'csv') return { kind: 'text', format, encoding, text };
  return { kind: 'text', format, encoding, jsonLayout: jsonLayoutOf(text), text };
}

/** NUL bytes or many control characters mean binary data; NULs in every other byte mean UTF-16 without a BOM. */
function binaryVerdict(bytes: Uint8Array): ContentClass | undefined {
  let nul = 0;
  let oddNul = 0;
  let control = 0;
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) {
      nul++;
      if (i % 2 === 1) oddNul++;
    } else if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  if (nul > 0) return { kind: 'binary', utf16WithoutBom: n >= 4 && oddNul >= n * 0.4 && nul - oddNul <= n * 0.05 };
  if (control > n * 0.1) return { kind: 'binary', utf16WithoutBom: false };
  return undefined;
}

/**
 * JSON starts with `{` followed by a key or `}`, or with `[` followed by a value or `]`. A CSV header such as
 * `[id],[email]` (SQL Server exports) or `{a};{b}` does not.
 */
export function looksLikeJson(text: string): boolean {
  const trimmed = text.trimStart();
  const first = trimmed[0];
  const next = trimmed.slice(1).trimStart()[0];
  if (first === '{') return next === undefined || next === '"' || next === '}';
  if (first === '[') return next === undefined || /[{["\d\-tfn\]]/.test(next);
  return false;
}

function jsonLayoutOf(text: string): JsonLayout {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return 'array';
  const newline = trimmed.indexOf('\n');
  // A single line (whole file or a long first record) is read as JSON lines; DuckDB's `auto` copes either way.
  if (newline < 0) return 'lines';
  try {
    const first: unknown = JSON.parse(trimmed.slice(0, newline));
    return typeof first === 'object' && first !== null ? 'lines' : 'document';
  } catch {
    return 'document';
  }
}

/**
 * Counts lines (CSV, JSON lines) or records (objects of a JSON array, concatenated JSON documents) complete in
 * a head, for size-based row estimates.
 */
export function headStats(text: string, byteLength: number, complete: boolean, jsonLayout?: JsonLayout): HeadStats {
  if (jsonLayout === 'array' || jsonLayout === 'document') {
    // A record ends where an object closes back to the array (depth 1) or to the top (depth 0).
    const recordDepth = jsonLayout === 'array' ? 1 : 0;
    let depth = 0;
    let inString = false;
    let records = 0;
    let end = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') {
        depth--;
        if (depth === recordDepth && ch === '}') {
          records++;
          end = i + 1;
        }
      }
    }
    return { bytes: complete ? byteLength : proportion(byteLength, end, text.length), records, complete };
  }
  let lines = 0;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    lines++;
    last = i;
  }
  if (complete) {
    if (text.length > 0 && !text.endsWith('\n') && text.slice(last + 1).trim() !== '') lines++;
    return { bytes: byteLength, records: lines, complete };
  }
  return { bytes: proportion(byteLength, last + 1, text.length), records: lines, complete };
}

/**
 * Both CRLF and bare LF row ends (a file concatenated from Windows and Unix exports). Line breaks inside
 * double quotes do not count: Excel writes LF inside cells of a CRLF file, which DuckDB reads fine.
 */
export function hasMixedNewlines(text: string): boolean {
  let inQuotes = false;
  let crlf = false;
  let lf = false;
  for (let i = text.indexOf('\n'), from = 0; i >= 0; from = i + 1, i = text.indexOf('\n', from)) {
    for (let j = text.indexOf('"', from); j >= 0 && j < i; j = text.indexOf('"', j + 1)) inQuotes = !inQuotes;
    if (inQuotes) continue;
    if (text[i - 1] === '\r') crlf = true;
    else lf = true;
    if (crlf && lf) return true;
  }
  return false;
}

/** Bytes taken by the first `chars` characters, assuming an even spread (works for UTF-8 and UTF-16 alike). */
function proportion(byteLength: number, chars: number, totalChars: number): number {
  return totalChars === 0 ? 0 : Math.round((byteLength * chars) / totalChars);
}

async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function corruptGzip(path: string, error: unknown): AuError {
  const truncated = (error as { code?: string }).code === 'Z_BUF_ERROR';
  return new AuError(
    'AU_INPUT_CORRUPT',
    truncated ? `${path}: the gzip stream is truncated (the file was cut short)` : `${path}: the gzip stream is corrupt`,
    { file: path },
  );
}

/** The first `limit` decompressed bytes of a gzip file; `complete` when the stream ended within them. */
export async function gunzipHead(path: string, limit = PEEK_BYTES): Promise<{ data: Buffer; complete: boolean }> {
  const input = createReadStream(path, { highWaterMark: 64 * 1024 });
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) return { data: Buffer.concat(chunks).subarray(0, limit), complete: false };
    }
    return { data: Buffer.concat(chunks), complete: true };
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('Z_')) throw corruptGzip(path, error);
    throw error;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/**
 * Decompresses a whole gzip file to prove it is complete: DuckDB reads a truncated gzip without complaint and
 * silently returns the rows before the cut. Counts newlines on the way (memchr speed) for the row estimate.
 */
export async function verifyGzip(path: string): Promise<{ uncompressedBytes: number; newlines: number }> {
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  let uncompressedBytes = 0;
  let newlines = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      uncompressedBytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
    }
    return { uncompressedBytes, newlines };
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('Z_')) throw corruptGzip(path, error);
    throw error;
  } finally {
    input.destroy();
  }
}

function describeContent(content: ContentClass): string {
  switch (content.kind) {
    case 'gzip':
      return 'gzip-compressed data';
    case 'parquet':
      return 'Parquet';
    case 'archive':
      return content.label;
    case 'binary':
      return 'binary data';
    case 'utf16be':
      return 'UTF-16 big-endian text';
    case 'blank':
      return 'blank text';
    case 'text':
      return FORMAT_LABELS[content.format];
  }
}

/** Reads the head (and tail for Parquet) of one file and classifies it, or throws an AuError naming the file. */
export async function detectFile(path: string, bytes: number): Promise<SourceFile> {
  const name = formatFromName(path);
  const head = await readRange(path, 0, PEEK_BYTES);
  const outer = classifyContent(head);
  let headComplete = bytes <= PEEK_BYTES;

  if (name.gzip && outer.kind !== 'gzip') {
    throw new AuError('AU_INPUT_FORMAT', `${path}: named .gz but is not gzip-compressed (its content is ${describeContent(outer)})`, {
      file: path,
      named: 'gzip',
      content: outer.kind === 'text' ? outer.format : outer.kind,
    });
  }

  let content = outer;
  let compression: Compression = 'none';
  let uncompressedBytes: number | undefined;
  let headBytes = head.length;
  if (outer.kind === 'gzip') {
    compression = 'gzip';
    const { data, complete } = await gunzipHead(path);
    if (data.length === 0) throw new AuError('AU_INPUT_EMPTY', `${path}: decompresses to nothing`, { file: path });
    content = classifyContent(data);
    headComplete = complete;
    headBytes = data.length;
    // The trailer holds the uncompressed size modulo 4 GiB: a good estimate until the file is verified.
    if (bytes >= 18) uncompressedBytes = (await readRange(path, bytes - 4, 4)).readUInt32LE(0);
    if (content.kind === 'gzip') throw new AuError('AU_INPUT_FORMAT', `${path}: gzip inside gzip is not supported; decompress it once`, { file: path });
    if (content.kind === 'parquet') {
      throw new AuError('AU_INPUT_FORMAT', `${path}: gzip-compressed Parquet is not supported; decompress it (Parquet compresses internally)`, { file: path });
    }
    if (complete && content.kind === 'text') uncompressedBytes = data.length;
  }

  switch (content.kind) {
    case 'parquet':
      await checkParquetFooter(path, bytes);
      break;
    case 'archive':
      throw new AuError('AU_INPUT_FORMAT', `${path}: is ${content.label}, not CSV, JSON or Parquet`, { file: path });
    case 'binary':
      if (content.utf16WithoutBom) {
        throw new AuError('AU_INPUT_ENCODING', `${path}: looks like UTF-16 text without a byte-order mark; save it as UTF-8`, { file: path });
      }
      throw new AuError('AU_INPUT_FORMAT', `${path}: is binary data, not CSV, JSON or Parquet`, { file: path });
    case 'utf16be':
      throw new AuError('AU_INPUT_ENCODING', `${path}: is UTF-16 big-endian text; save it as UTF-8`, { file: path });
    case 'blank':
      throw new AuError('AU_INPUT_EMPTY', `${path}: contains only blank text`, { file: path });
    default:
      break;
  }
  const format: SourceFormat = content.kind === 'parquet' ? 'parquet' : (content as { format: 'csv' | 'json' }).format;
  if (name.format && name.format !== format) {
    throw new AuError('AU_INPUT_FORMAT', `${path}: named as ${FORMAT_LABELS[name.format]} but its content is ${FORMAT_LABELS[format]}`, {
      file: path,
      named: name.format,
      content: format,
    });
  }
  const file: SourceFile = { path, bytes, format, compression, encoding: 'utf-8' };
  if (uncompressedBytes !== undefined) file.uncompressedBytes = uncompressedBytes;
  if (content.kind === 'text') {
    if (content.format === 'json' && content.encoding !== 'utf-8') {
      throw new AuError('AU_INPUT_ENCODING', `${path}: JSON must be UTF-8 (this file is UTF-16)`, { file: path });
    }
    file.encoding = content.encoding;
    if (content.jsonLayout) file.jsonLayout = content.jsonLayout;
    file.head = headStats(content.text, headBytes, headComplete, content.jsonLayout);
    if (hasMixedNewlines(content.text)) file.mixedNewlines = true;
  }
  return file;
}

/** A Parquet file ends with its footer length and `PAR1`; a cut file has neither. */
async function checkParquetFooter(path: string, bytes: number): Promise<void> {
  const tail = bytes >= 12 ? await readRange(path, bytes - 8, 8) : Buffer.alloc(0);
  const footerLength = tail.length === 8 ? tail.readUInt32LE(0) : -1;
  if (tail.length !== 8 || tail.toString('latin1', 4) !== 'PAR1' || footerLength <= 0 || footerLength > bytes - 12) {
    throw new AuError('AU_INPUT_CORRUPT', `${path}: Parquet file is truncated or corrupt (no valid footer)`, { file: path });
  }
}
