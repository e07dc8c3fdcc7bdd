import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ErrorCode } from '../errors.js';

/**
 * Checks a dropped file and copies its hashes, one a line under a one-word header, into the file the upload job
 * reads. Streams: memory does not grow with the file. Reasons name line numbers, never values.
 */

export type HashFileCheck = { ok: true; hashes: number; headerSkipped: boolean } | { ok: false; code: ErrorCode; reason: string; line?: number };

export const HASHED_ONLY = 'the drop zone takes hashed files only (use `upload` for raw files)';

const SHA256 = /^[0-9a-fA-F]{64}$/;
/** A header is one word (`email_sha256`, `hash`, `phone`): a raw email, phone number or CSV row is not. */
const HEADER_WORD = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** What a line holds: spaces, a byte-order mark and one pair of double quotes around it do not count. */
export function lineValue(line: string): string {
  // trim() also removes U+FEFF, the byte-order mark some tools write first.
  let value = line.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).trim();
  return value;
}

export type LineKind = 'empty' | 'hash' | 'header' | 'invalid';

/** One line of a dropped file; only the first non-empty line may be a header. */
export function classifyLine(line: string, first: boolean): LineKind {
  const value = lineValue(line);
  if (value === '') return 'empty';
  if (SHA256.test(value)) return 'hash';
  return first && HEADER_WORD.test(value) ? 'header' : 'invalid';
}

/** The file's bytes, gunzipped when they start with the gzip magic number (files are told by content, not name). */
async function decoded(input: Readable): Promise<Readable> {
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      input.off('readable', ready).off('end', ready).off('error', done);
      if (error) reject(error);
      else resolve();
    };
    const ready = () => done();
    input.once('readable', ready).once('end', ready).once('error', done);
  });
  const head = input.read() as Buffer | null;
  if (head === null) return input;
  input.unshift(head);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return input;
  // Errors (a corrupt file) reach the gunzip stream, which the reader sees.
  return pipeline(input, createGunzip(), () => undefined);
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/**
 * Reads `input` (a dropped file), and when every non-empty line is a SHA-256 hex value (a first line of one word is
 * a header and skipped), writes `<column>\n` and the hashes, trimmed, to `outPath`. Upper-case hex is accepted:
 * the transform lower-cases pre-hashed values (`prehashedRule`). On failure `outPath` may hold a partial file.
 */
export async function copyHashes(input: Readable, outPath: string, column: string): Promise<HashFileCheck> {
  const out = createWriteStream(outPath);
  const outFailed = new Promise<never>((_, reject) => out.once('error', reject));
  outFailed.catch(() => undefined);
  let buffered = `${column}\n`;
  const flush = async () => {
    const chunk = buffered;
    buffered = '';
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), outFailed]);
  };
  let hashes = 0;
  let headerSkipped = false;
  let lineNumber = 0;
  let seenContent = false;
  let result: HashFileCheck | undefined;
  try {
    const text = await decoded(input);
    const lines = createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) {
        lineNumber += 1;
        const kind = classifyLine(line, !seenContent);
        if (kind === 'empty') continue;
        seenContent = true;
        if (kind === 'header') {
          headerSkipped = true;
          continue;
        }
        if (kind === 'invalid') {
          result = { ok: false, code: 'AU_DROPZONE_NOT_HASHED', reason: `line ${lineNumber} is not a SHA-256 hash (64 hexadecimal characters); ${HASHED_ONLY}`, line: lineNumber };
          break;
        }
        hashes += 1;
        buffered += `${lineValue(line)}\n`;
        if (buffered.length >= 1 << 16) await flush();
      }
    } finally {
      lines.close();
      // Stops reading (the rest of a refused file is not needed); the pipeline's callback takes its close error.
      text.destroy();
      input.destroy();
    }
  } catch (error) {
    out.destroy();
    if (isZlibError(error)) return { ok: false, code: 'AU_INPUT_CORRUPT', reason: 'the file starts like a gzip file but cannot be decompressed (truncated or corrupt)' };
    throw error;
  }
  if (!result && hashes === 0) result = { ok: false, code: 'AU_INPUT_EMPTY', reason: `the file holds no SHA-256 hashes${headerSkipped ? ' (only a header line)' : ''}` };
  if (result) {
    out.destroy();
    return result;
  }
  await flush();
  out.end();
  await Promise.race([finished(out), outFailed]);
  return { ok: true, hashes, headerSkipped };
}
