import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitIntoParts } from './file-parts.js';

function fixture(lines: string[], trailingNewline = true): { dir: string; source: string } {
  const dir = mkdtempSync(join(tmpdir(), 'au-parts-'));
  const source = join(dir, 'sorted.csv');
  writeFileSync(source, lines.join('\n') + (trailingNewline && lines.length ? '\n' : ''));
  return { dir, source };
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');

describe('splitIntoParts', () => {
  it('cuts at the row limit and repeats the header in every part', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `row${String(i).padStart(2, '0')}`);
    const { dir, source } = fixture(lines);
    const files = await splitIntoParts(source, { outDir: dir, prefix: 'batch', header: 'EMAIL', maxRows: 10 });
    expect(files.map((f) => [f.path, f.rows])).toEqual([
      ['batch-00001.csv', 10],
      ['batch-00002.csv', 10],
      ['batch-00003.csv', 5],
    ]);
    expect(read(dir, 'batch-00001.csv')).toBe(`EMAIL\n${lines.slice(0, 10).join('\n')}\n`);
    expect(read(dir, 'batch-00003.csv')).toBe(`EMAIL\n${lines.slice(20).join('\n')}\n`);
  });

  it('never exceeds the byte limit and reports bytes and MD5 of what it wrote', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => 'x'.repeat(1 + (i % 17)));
    const { dir, source } = fixture(lines);
    const files = await splitIntoParts(source, { outDir: dir, prefix: 'T', maxBytes: 100 });
    let rows = 0;
    const rebuilt: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(join(dir, file.path));
      expect(bytes.length).toBeLessThanOrEqual(100);
      expect(file.bytes).toBe(bytes.length);
      expect(file.md5).toBe(createHash('md5').update(bytes).digest('hex'));
      rows += file.rows;
      rebuilt.push(bytes.toString('utf8'));
    }
    expect(rows).toBe(1000);
    expect(rebuilt.join('')).toBe(`${lines.join('\n')}\n`);
  });

  it('handles lines that cross read chunks and a missing final newline', async () => {
    const long = Array.from({ length: 40_000 }, (_, i) => `${i}`.padStart(64, 'a'));
    const { dir, source } = fixture(long, false);
    const files = await splitIntoParts(source, { outDir: dir, prefix: 'P', maxRows: 30_000 });
    expect(files.map((f) => f.rows)).toEqual([30_000, 10_000]);
    expect(read(dir, 'P-00002.csv').endsWith(`${long[long.length - 1]}\n`)).toBe(true);
  });

  it('writes no file for an empty input', async () => {
    const { dir, source } = fixture([]);
    expect(await splitIntoParts(source, { outDir: dir, prefix: 'E', header: 'H' })).toEqual([]);
  });

  it('refuses a line longer than the byte limit instead of writing an oversize file', async () => {
    const { dir, source } = fixture(['short', 'y'.repeat(200)]);
    await expect(splitIntoParts(source, { outDir: dir, prefix: 'L', maxBytes: 100 })).rejects.toThrow(/exceeds/);
  });
});
