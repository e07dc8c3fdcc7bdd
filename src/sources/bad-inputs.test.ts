import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine/duckdb.js';
import { AuError, type ErrorCode } from '../errors.js';
import { openSource, resolveInputs } from './index.js';
import { fakePeople, TempDir, testEngine, toCsv, writeParquet } from './test-helpers.js';

let dir: TempDir;
let engine: Engine;
beforeAll(async () => {
  dir = new TempDir();
  engine = await testEngine(dir);
});
afterAll(() => {
  engine.close();
  dir.remove();
});

const csv = (n = 10, offset = 0) => toCsv(fakePeople(n, offset).map((p) => ({ id: p.id, email: p.email, phone: p.phone })));

/** Runs resolve + open and returns the AuError, checking it names `mentions` and leaks no fake identity. */
async function failure(paths: string[], code: ErrorCode, mentions: (string | RegExp)[]): Promise<AuError> {
  let caught: unknown;
  try {
    await openSource(engine, await resolveInputs(paths));
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AuError);
  const error = caught as AuError;
  expect({ code: error.code, message: error.message }).toMatchObject({ code });
  for (const m of mentions) expect(error.message).toMatch(typeof m === 'string' ? new RegExp(m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : m);
  expect(error.message).not.toMatch(/user\d+@|1555\d{7}/);
  expect(JSON.stringify(error.details)).not.toMatch(/user\d+@|1555\d{7}/);
  return error;
}

describe('bad inputs', () => {
  it('missing path', async () => {
    const path = dir.path('nope/missing.csv');
    await failure([path], 'AU_INPUT_NOT_FOUND', [path]);
  });

  it('empty file, blank file, folder with nothing but bookkeeping', async () => {
    const empty = dir.write('empty.csv', '');
    await failure([empty], 'AU_INPUT_EMPTY', [empty]);
    const blank = dir.write('blank.csv', '\n  \n');
    await failure([blank], 'AU_INPUT_EMPTY', [blank]);
    dir.write('nodata/_SUCCESS', '');
    dir.write('nodata/part-00000.csv', '');
    await failure([dir.path('nodata')], 'AU_INPUT_EMPTY', [dir.path('nodata')]);
  });

  it('header only', async () => {
    const path = dir.write('header-only.csv', 'id,email,phone\n');
    await failure([path], 'AU_INPUT_EMPTY', [path]);
  });

  it('a .parquet that is CSV, a .csv that is Parquet, a .json that is CSV', async () => {
    const fake = dir.write('fake.parquet', csv());
    await failure([fake], 'AU_INPUT_FORMAT', [fake, 'Parquet', 'CSV']);
    const parquet = await writeParquet(engine, dir.path('real.csv'), 'SELECT 1 AS a');
    await failure([parquet], 'AU_INPUT_FORMAT', [parquet, 'CSV', 'Parquet']);
    const json = dir.write('fake.json', csv());
    await failure([json], 'AU_INPUT_FORMAT', [json, 'JSON', 'CSV']);
  });

  it('a .gz that is not gzip', async () => {
    const path = dir.write('plain.csv.gz', csv());
    await failure([path], 'AU_INPUT_FORMAT', [path, 'gzip']);
  });

  it('truncated gzip, small (seen while detecting) and large (seen when verifying)', async () => {
    const small = gzipSync(Buffer.from(csv(50)));
    const smallPath = dir.write('small-trunc.csv.gz', small.subarray(0, Math.floor(small.length / 2)));
    await failure([smallPath], 'AU_INPUT_CORRUPT', [smallPath, 'truncated']);
    const large = gzipSync(Buffer.from(csv(20_000)), { level: 1 });
    const largePath = dir.write('large-trunc.csv.gz', large.subarray(0, Math.floor(large.length * 0.8)));
    await failure([largePath], 'AU_INPUT_CORRUPT', [largePath, 'truncated']);
  });

  it('truncated Parquet', async () => {
    const whole = await writeParquet(engine, dir.path('whole.parquet'), `SELECT 'user' || i || '@example.test' AS email FROM range(100) t(i)`);
    const bytes = (await import('node:fs')).readFileSync(whole);
    const cut = dir.write('cut.parquet', bytes.subarray(0, bytes.length - 30));
    await failure([cut], 'AU_INPUT_CORRUPT', [cut, 'Parquet']);
  });

  it('binary data, ZIP archives, UTF-16 without BOM', async () => {
    const binary = dir.write('image.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    await failure([binary], 'AU_INPUT_FORMAT', [binary, 'binary']);
    const zip = dir.write('export.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]));
    await failure([zip], 'AU_INPUT_FORMAT', [zip, 'ZIP']);
    const utf16 = dir.write('utf16-nobom.csv', Buffer.from(csv(3), 'utf16le'));
    await failure([utf16], 'AU_INPUT_ENCODING', [utf16, 'UTF-16']);
  });

  it('a CSV whose every row is rejected names the file and the first bad line', async () => {
    const lines = ['id,email,phone', ...fakePeople(5).map((p) => `${p.id},${p.email},${p.phone},extra,more`)];
    const path = dir.write('all-ragged.csv', `${lines.join('\n')}\n`);
    const error = await failure([path], 'AU_INPUT_RAGGED', [path, 'line 2']);
    expect(error.details).toMatchObject({ file: path, line: 2, reason: 'too_many_fields' });
  });

  it('a CSV file that is all invalid UTF-8', async () => {
    const path = dir.write('latin1.csv', Buffer.from('id,name\n1,Jos\xe9\n2,Ren\xe9e\n', 'latin1'));
    await failure([path], 'AU_INPUT_ENCODING', [path, 'line 2']);
  });

  it('a folder whose parts have different columns names both files and the columns', async () => {
    dir.write('mixed/part-00000.csv', csv(5));
    dir.write('mixed/part-00001.csv', toCsv(fakePeople(5, 5).map((p) => ({ id: p.id, email: p.email, mobile: p.phone }))));
    await failure([dir.path('mixed')], 'AU_INPUT_MIXED_COLUMNS', [dir.path('mixed/part-00000.csv'), dir.path('mixed/part-00001.csv'), 'phone', 'mobile']);
  });

  it('a Parquet folder whose parts have different columns', async () => {
    await writeParquet(engine, dir.path('pqmixed/a.parquet'), `SELECT 'x' AS email`);
    await writeParquet(engine, dir.path('pqmixed/b.parquet'), `SELECT 'x' AS email, 1 AS extra`);
    await failure([dir.path('pqmixed')], 'AU_INPUT_MIXED_COLUMNS', ['a.parquet', 'b.parquet', 'extra']);
  });

  it('a folder mixing formats', async () => {
    dir.write('mixfmt/a.csv', csv(3));
    dir.write('mixfmt/b.json', `${JSON.stringify({ email: 'user1@example.test' })}\n`);
    await failure([dir.path('mixfmt')], 'AU_INPUT_FORMAT', ['a.csv', 'b.json', 'CSV', 'JSON']);
  });

  it('malformed JSON names the file and line', async () => {
    const path = dir.write('broken.jsonl', `{"email": "user1@example.test"}\n{"email": "user2@example.test",\n{"email": "user3@example.test"}\n`);
    await failure([path], 'AU_INPUT_UNREADABLE', [path, /line \d/]);
  });

  it('JSON whose records are not objects', async () => {
    const path = dir.write('scalars.json', '["user1@example.test", "user2@example.test"]');
    await failure([path], 'AU_INPUT_FORMAT', [path, 'objects']);
  });

  it('mixed CRLF and LF line ends', async () => {
    const path = dir.write('mixed-newlines.csv', 'email,phone\r\nuser1@example.test,1\nuser2@example.test,2\r\n');
    await failure([path], 'AU_INPUT_UNREADABLE', [path, 'CRLF']);
  });

  it('a column named like a hidden column', async () => {
    const path = dir.write('reserved.csv', 'email,__file\nuser1@example.test,x\n');
    await failure([path], 'AU_INPUT_UNREADABLE', [path, '__file']);
  });
});
