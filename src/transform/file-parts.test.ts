import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../engine/duckdb.js';
import { allocLineBuffer, BUCKET_COLUMN, PartWriter, sortKeyColumn, sortBucketLines, writeBucketedParts, writeSortedParts } from './file-parts.js';

const newDir = () => mkdtempSync(join(tmpdir(), 'au-parts-'));
const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');

describe('PartWriter', () => {
  it('cuts at the row limit and repeats the header in every file', async () => {
    const dir = newDir();
    const writer = new PartWriter({ outDir: dir, prefix: 'batch', header: 'EMAIL', maxRows: 10 });
    const lines = Array.from({ length: 25 }, (_, i) => `row${String(i).padStart(2, '0')}`);
    for (const line of lines) writer.writeLine(Buffer.from(`${line}\n`));
    const files = await writer.close();
    expect(files.map((f) => [f.path, f.rows])).toEqual([
      ['batch-00001.csv', 10],
      ['batch-00002.csv', 10],
      ['batch-00003.csv', 5],
    ]);
    expect(read(dir, 'batch-00001.csv')).toBe(`EMAIL\n${lines.slice(0, 10).join('\n')}\n`);
    expect(read(dir, 'batch-00003.csv')).toBe(`EMAIL\n${lines.slice(20).join('\n')}\n`);
  });

  it('never exceeds the byte limit and reports the bytes and MD5 of what it wrote', async () => {
    const dir = newDir();
    const writer = new PartWriter({ outDir: dir, prefix: 'T', maxBytes: 100 });
    const lines = Array.from({ length: 1000 }, (_, i) => 'x'.repeat(1 + (i % 17)));
    for (const line of lines) writer.writeLine(Buffer.from(`${line}\n`));
    let rows = 0;
    let rebuilt = '';
    for (const file of await writer.close()) {
      const bytes = readFileSync(join(dir, file.path));
      expect(bytes.length).toBeLessThanOrEqual(100);
      expect(file.bytes).toBe(bytes.length);
      expect(file.md5).toBe(createHash('md5').update(bytes).digest('hex'));
      rows += file.rows;
      rebuilt += bytes.toString('utf8');
    }
    expect(rows).toBe(1000);
    expect(rebuilt).toBe(`${lines.join('\n')}\n`);
  });

  it('passes UTF-8 through byte for byte', async () => {
    const dir = newDir();
    const writer = new PartWriter({ outDir: dir, prefix: 'U', header: 'EXTERN_ID' });
    writer.writeLine(Buffer.from('Zoë-Ω-客户\n'));
    await writer.close();
    expect(read(dir, 'U-00001.csv')).toBe('EXTERN_ID\nZoë-Ω-客户\n');
  });

  it('reports a file it cannot create (the worker writes them)', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'X-00001.csv'), 'already here\n');
    const writer = new PartWriter({ outDir: dir, prefix: 'X' });
    writer.writeLine(Buffer.from('a\n'));
    await expect(writer.close()).rejects.toThrow(/EEXIST/);
    expect(read(dir, 'X-00001.csv')).toBe('already here\n');
  });

  it('writes no file without lines, and refuses a line longer than the byte limit', async () => {
    const dir = newDir();
    expect(await new PartWriter({ outDir: dir, prefix: 'E', header: 'H' }).close()).toEqual([]);
    const writer = new PartWriter({ outDir: dir, prefix: 'L', maxBytes: 100 });
    writer.writeLine(Buffer.from('short\n'));
    expect(() => writer.writeLine(Buffer.from(`${'y'.repeat(200)}\n`))).toThrow(/exceeds/);
    await writer.abort();
  });
});

describe('allocLineBuffer', () => {
  it('takes an earlier buffer again when the lines and the gathering room fit, else a bigger one', () => {
    const first = allocLineBuffer(1000);
    const smaller = allocLineBuffer(900, first);
    expect(smaller.buffer).toBe(first.buffer);
    expect(smaller.length).toBe(900);
    const bigger = allocLineBuffer(first.buffer.byteLength, first);
    expect(bigger.buffer).not.toBe(first.buffer);
    expect(bigger.length).toBe(first.buffer.byteLength);
    expect(bigger.byteOffset).toBe(0);
    expect(bigger.buffer.byteLength - bigger.length).toBeGreaterThanOrEqual(1 << 20);
  });
});

describe('sortBucketLines', () => {
  it('orders by the numeric key, ties by the whole line, whatever the input order', () => {
    const lines = ['00000000000000a0,b', '0000000000000010,z', '0000000000000010,a', 'ffffffffffffff00,x', '00000000000000a1,c'];
    const expected = ['0000000000000010,a', '0000000000000010,z', '00000000000000a0,b', '00000000000000a1,c', 'ffffffffffffff00,x'];
    for (const permutation of [lines, [...lines].reverse(), [lines[2]!, lines[4]!, lines[0]!, lines[3]!, lines[1]!]]) {
      const data = Buffer.from(`${permutation.join('\n')}\n`);
      const { starts, ends, order } = sortBucketLines(data);
      expect([...order].map((i) => data.subarray(starts[i]!, ends[i]! - 1).toString())).toEqual(expected);
    }
  });

  it('gives the byte order of the lines, also where keys share their leading bits or are equal', () => {
    // Keys from a few leading values, so many lines differ only in the bits the sort shares with the line index.
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const hex = (n: number, width: number) => Math.floor(n).toString(16).toUpperCase().padStart(width, '0');
    const lines = Array.from({ length: 5_000 }, () => {
      const key = `${hex(random() * 4, 8)}${hex(random() * 4, 4)}${hex(random() * 65_536, 4)}`;
      return `${key},${'x'.repeat(Math.floor(random() * 3))}${hex(random() * 16, 1)}`;
    });
    const data = Buffer.from(`${lines.join('\n')}\n`);
    const { starts, ends, order } = sortBucketLines(data);
    const expected = [...lines].sort((a, b) => Buffer.compare(Buffer.from(`${a}\n`), Buffer.from(`${b}\n`)));
    expect([...order].map((i) => data.subarray(starts[i]!, ends[i]! - 1).toString())).toEqual(expected);
  });
});

describe('sortBucketLines on lines without a key', () => {
  it('orders by the first 16 bytes as hex digits, then by bytes, whatever the input order; short lines too', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const hex = (n: number) => Math.floor(n).toString(16).padStart(8, '0');
    // Multi-key lines whose first fields may be empty, and raw values shorter than a key.
    const lines = Array.from({ length: 3_000 }, (_, i) => {
      if (i % 5 === 0) return ['7', 'ab', 'Zoë', '', 'x,y'][i % 4]! + String(i % 7);
      const first = random() < 0.3 ? '' : `${hex(random() * 2 ** 32)}${hex(random() * 2 ** 32)}`;
      return `${first},${hex(random() * 16)},${random() < 0.5 ? '' : hex(random() * 4)}`;
    });
    const digit = (code: number | undefined) => (code === undefined ? 0 : Number.parseInt(String.fromCharCode(code), 16) || 0);
    const key = (line: Buffer) => Array.from({ length: 16 }, (_, k) => digit(k < line.length ? line[k] : undefined));
    const compare = (a: string, b: string) => {
      const [ka, kb] = [key(Buffer.from(a)), key(Buffer.from(b))];
      const k = ka.findIndex((d, i) => d !== kb[i]);
      return k >= 0 ? ka[k]! - kb[k]! : Buffer.compare(Buffer.from(`${a}\n`), Buffer.from(`${b}\n`));
    };
    const expected = [...lines].sort(compare);
    for (const permutation of [lines, [...lines].reverse()]) {
      const data = Buffer.from(`${permutation.join('\n')}\n`);
      const { starts, ends, order } = sortBucketLines(data);
      expect([...order].map((i) => data.subarray(starts[i]!, ends[i]! - 1).toString())).toEqual(expected);
    }
  });
});

describe('writeBucketedParts', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine({ tempDir: join(newDir(), 'tmp'), threads: 2 });
  });
  afterAll(() => engine.close());

  const query = (rows: number, buckets: number) => {
    return `SELECT ${sortKeyColumn('hash(h)')}, h, hash(h) % ${buckets} AS ${BUCKET_COLUMN} FROM (SELECT sha256(i::VARCHAR) AS h FROM range(${rows}) t(i))`;
  };

  it('writes every row once, fills files up to the limit, and gives the same files for the same rows', async () => {
    const first = newDir();
    const second = newDir();
    const a = await writeBucketedParts(engine, query(50_000, 7), 7, { outDir: first, prefix: 'P', maxRows: 12_000 });
    const b = await writeBucketedParts(engine, query(50_000, 7), 7, { outDir: second, prefix: 'P', maxRows: 12_000 });
    expect(a).toEqual(b);
    expect(a.map((f) => f.rows)).toEqual([12_000, 12_000, 12_000, 12_000, 2_000]);
    expect(readdirSync(first).sort()).toEqual(a.map((f) => f.path));
    const all = a.flatMap((f) => read(first, f.path).trimEnd().split('\n'));
    expect(new Set(all).size).toBe(50_000);
    const expected = new Set(Array.from({ length: 50_000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex')));
    expect(all.every((h) => expected.has(h))).toBe(true);
  });

  it('the sorted path (for outputs too big for buckets) writes the same rows, reproducibly, and cleans up', async () => {
    const first = newDir();
    const second = newDir();
    const a = await writeSortedParts(engine, query(30_000, 1), { outDir: first, prefix: 'S', header: 'EMAIL_SHA256', maxRows: 7_000 });
    const b = await writeSortedParts(engine, query(30_000, 1), { outDir: second, prefix: 'S', header: 'EMAIL_SHA256', maxRows: 7_000 });
    expect(a).toEqual(b);
    expect(a.map((f) => f.rows)).toEqual([7_000, 7_000, 7_000, 7_000, 2_000]);
    expect(readdirSync(first).sort()).toEqual(a.map((f) => f.path));
    const lines = a.flatMap((f) => read(first, f.path).trimEnd().split('\n').slice(1));
    const expected = new Set(Array.from({ length: 30_000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex')));
    expect(lines.length).toBe(30_000);
    expect(lines.every((h) => expected.has(h))).toBe(true);
  });

  it('without a key, both paths write the rows as they are, reproducibly', async () => {
    const rows = (n: number, buckets: number) => `SELECT h, hash(h) % ${buckets} AS ${BUCKET_COLUMN} FROM (SELECT sha256(i::VARCHAR) AS h FROM range(${n}) t(i))`;
    const expected = new Set(Array.from({ length: 20_000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex')));
    for (const write of [
      (dir: string) => writeSortedParts(engine, rows(20_000, 1), { outDir: dir, prefix: 'K', maxRows: 6_000 }, { keyed: false }),
      (dir: string) => writeBucketedParts(engine, rows(20_000, 5), 5, { outDir: dir, prefix: 'K', maxRows: 6_000 }, { keyed: false }),
    ]) {
      const [first, second] = [newDir(), newDir()];
      const a = await write(first);
      expect(await write(second)).toEqual(a);
      const lines = a.flatMap((f) => read(first, f.path).trimEnd().split('\n'));
      expect(lines.length).toBe(20_000);
      expect(lines.every((line) => expected.has(line))).toBe(true);
    }
  });

  it('writes nothing for no rows and leaves no bucket folder behind', async () => {
    const dir = newDir();
    expect(await writeBucketedParts(engine, `${query(10, 3)} WHERE false`, 3, { outDir: dir, prefix: 'N' })).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
