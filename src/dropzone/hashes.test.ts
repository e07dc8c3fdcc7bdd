import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyLine, copyHashes, lineValue } from './hashes.js';

const sha = (value: string) => createHash('sha256').update(value).digest('hex');
const h1 = sha('person1@example.test');
const h2 = sha('person2@example.test');
const dir = mkdtempSync(join(tmpdir(), 'au-dropzone-hashes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function copy(content: string | Buffer, chunkSize?: number) {
  const bytes = Buffer.from(content);
  const chunks = chunkSize ? Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize)) : [bytes];
  const out = join(dir, `out-${n++}.csv`);
  const result = await copyHashes(Readable.from(chunks), out, 'email_sha256');
  return { result, out: result.ok ? readFileSync(out, 'utf8') : null };
}

describe('classifyLine', () => {
  it.each([
    [h1, true, 'hash'],
    [h1.toUpperCase(), false, 'hash'],
    [`  "${h1}"\r`, false, 'hash'],
    [`\uFEFF${h1}`, true, 'hash'],
    ['', false, 'empty'],
    ['   ', true, 'empty'],
    ['email_sha256', true, 'header'],
    ['"hash"', true, 'header'],
    ['phone', true, 'header'],
    ['email_sha256', false, 'invalid'],
    ['person1@example.test', true, 'invalid'],
    ['+1 415 555 0100', true, 'invalid'],
    ['4155550100', true, 'invalid'],
    ['email,phone', true, 'invalid'],
    [h1.slice(0, 63), false, 'invalid'],
    [`${h1},${h2}`, false, 'invalid'],
    [sha('x').replace('a', 'g'), false, 'invalid'],
  ])('%j (first line: %s) is %s', (line, first, kind) => {
    expect(classifyLine(line, first)).toBe(kind);
  });

  it('keeps the value without spaces and quotes', () => {
    expect(lineValue(` "${h1}" `)).toBe(h1);
  });
});

describe('copyHashes', () => {
  it('copies hashes under the header, skipping blank lines and a one-word header, whatever the line endings', async () => {
    const { result, out } = await copy(`\uFEFFemail_sha256\r\n${h1}\r\n\r\n  ${h2.toUpperCase()}  \r\n`, 7);
    expect(result).toEqual({ ok: true, hashes: 2, headerSkipped: true });
    // Upper-case hex passes as it is: the transform lower-cases pre-hashed values.
    expect(out).toBe(`email_sha256\n${h1}\n${h2.toUpperCase()}\n`);
  });

  it('takes a headerless file and a gzip file (told by content)', async () => {
    expect((await copy(`${h1}\n${h2}`)).out).toBe(`email_sha256\n${h1}\n${h2}\n`);
    const gz = await copy(gzipSync(`hash\n${h1}\n${h2}\n`), 5);
    expect(gz.result).toEqual({ ok: true, hashes: 2, headerSkipped: true });
    expect(gz.out).toBe(`email_sha256\n${h1}\n${h2}\n`);
  });

  it('names the first line that is not a hash, never its value', async () => {
    const { result } = await copy(`email\n${h1}\n\nperson3@example.test\n${h2}\n`);
    expect(result).toEqual({
      ok: false,
      code: 'AU_DROPZONE_NOT_HASHED',
      line: 4,
      reason: 'line 4 is not a SHA-256 hash (64 hexadecimal characters); the drop zone takes hashed files only (use `upload` for raw files)',
    });
    const raw = await copy('person1@example.test\nperson2@example.test\n');
    expect(raw.result).toMatchObject({ ok: false, line: 1 });
    expect(JSON.stringify(raw.result)).not.toContain('person1');
    // A one-word first line is a header, so a file of raw single words fails on line 2.
    expect((await copy('alice\nbob\n')).result).toMatchObject({ ok: false, line: 2 });
  });

  it('refuses a file without hashes and a broken gzip file', async () => {
    expect((await copy('')).result).toEqual({ ok: false, code: 'AU_INPUT_EMPTY', reason: 'the file holds no SHA-256 hashes' });
    expect((await copy('email_sha256\n\n')).result).toMatchObject({ ok: false, code: 'AU_INPUT_EMPTY', reason: 'the file holds no SHA-256 hashes (only a header line)' });
    const truncated = gzipSync(`${h1}\n`.repeat(1000)).subarray(0, 60);
    expect((await copy(truncated)).result).toMatchObject({ ok: false, code: 'AU_INPUT_CORRUPT' });
  });

  it('streams a big file', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => sha(`person${i}@example.test`));
    const { result, out } = await copy(`${lines.join('\n')}\n`, 64 * 1024);
    expect(result).toEqual({ ok: true, hashes: 50_000, headerSkipped: false });
    expect(out).toBe(`email_sha256\n${lines.join('\n')}\n`);
  });
});
