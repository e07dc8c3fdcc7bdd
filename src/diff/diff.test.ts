import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaProfile } from '../destinations/meta/profile.js';
import { tiktokProfile } from '../destinations/tiktok/profile.js';
import { isAuError } from '../errors.js';
import { person } from '../testing/people-file.js';
import type { ColumnMapping } from '../transform/mapping.js';
import type { TransformReport } from '../transform/report.js';
import { transform } from '../transform/transform.js';
import { diffSnapshots, snapshotLayoutFor, type DiffPart, type DiffResult, type SnapshotLayout } from './diff.js';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

let dir: string;
const dataDir = () => join(dir, 'data');

interface Output {
  report: TransformReport;
  files: string[];
}

/** A synthetic person's made-up EXTERN_ID; some hold a comma and a quote, which the CSV writer must quote. */
const externId = (i: number) => (i % 4 === 0 ? `cust,${i}"x` : `cust-${i}`);

/** Runs the real transform on a CSV of people `from` to `to` (made up), plus a few rows with nothing valid. */
async function output(
  name: string,
  options: { destination: string; from: number; to: number; mappings: ColumnMapping[]; withoutPhone?: (i: number) => boolean },
): Promise<Output> {
  const csv = join(dir, `${name}.csv`);
  const lines = ['ext,email,phone'];
  for (let i = options.from; i < options.to; i++) {
    const p = person(i);
    const ext = `"${externId(i).replaceAll('"', '""')}"`;
    lines.push(`${ext},${p.email},${options.withoutPhone?.(i) ? '' : p.phone}`);
  }
  lines.push(',not-an-email,12', ',,');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const outDir = join(dir, name);
  const report = await transform({
    inputs: [csv],
    destination: options.destination,
    mappings: options.mappings,
    defaultCountry: 'US',
    outDir,
    dataDir: dataDir(),
    threads: 2,
  });
  return { report, files: report.output.files.map((f) => join(outDir, f.path)) };
}

/** The records (lines as text) of files, checking each file's header; with `files`, their entries and limits. */
function records(paths: readonly string[], layout: SnapshotLayout, files?: DiffPart['files']): string[] {
  const out: string[] = [];
  paths.forEach((path, k) => {
    const bytes = readFileSync(path);
    const lines = bytes.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    if (layout.header) expect(lines.shift()).toBe(layout.header.join(','));
    const file = files?.[k];
    if (file) {
      // Written by the diff: within the layout's limits.
      if (layout.maxRows !== undefined) expect(lines.length).toBeLessThanOrEqual(layout.maxRows);
      if (layout.maxFileBytes !== undefined) expect(bytes.length).toBeLessThanOrEqual(layout.maxFileBytes);
      expect(file).toEqual({ path: `${layout.filePrefix}-${String(k + 1).padStart(5, '0')}.csv`, rows: lines.length, bytes: bytes.length, md5: md5(bytes) });
    }
    out.push(...lines);
  });
  return out;
}

const partRecords = (part: DiffPart, layout: SnapshotLayout) => {
  expect(readdirSync(part.dir).sort()).toEqual(part.files.map((f) => f.path));
  const lines = records(
    part.files.map((f) => join(part.dir, f.path)),
    layout,
    part.files,
  );
  expect(lines.length).toBe(part.rows);
  expect(new Set(lines).size).toBe(lines.length);
  return lines;
};

let runs = 0;
const diff = (previous: string[] | null, current: string[], layout: SnapshotLayout) =>
  diffSnapshots({ previous, current, layout, outDir: join(dir, `diff-${++runs}`), dataDir: dataDir(), threads: 2 });

/** Checks the diff against the set differences of the files' lines, computed here. */
function expectExact(result: DiffResult, previous: string[] | null, current: string[], layout: SnapshotLayout): { added: string[]; removed: string[] } {
  const before = new Set(previous ? records(previous, layout) : []);
  const after = new Set(records(current, layout));
  const added = partRecords(result.added, layout);
  const removed = partRecords(result.removed, layout);
  expect(added.sort()).toEqual([...after].filter((r) => !before.has(r)).sort());
  expect(removed.sort()).toEqual([...before].filter((r) => !after.has(r)).sort());
  expect(result.unchanged).toBe([...after].filter((r) => before.has(r)).length);
  return { added, removed };
}

/** Every file's bytes of a diff, by side and name. */
function bytesOf(result: DiffResult): Record<string, string> {
  const all: Record<string, string> = {};
  for (const side of ['added', 'removed'] as const) {
    for (const f of result[side].files) all[`${side}/${f.path}`] = readFileSync(join(result[side].dir, f.path)).toString('base64');
  }
  return all;
}

const EMAIL: ColumnMapping[] = [{ column: 'email', type: 'EMAIL' }];
const EMAIL_PHONE: ColumnMapping[] = [
  { column: 'email', type: 'EMAIL' },
  { column: 'phone', type: 'PHONE' },
];
const EXTERN_EMAIL: ColumnMapping[] = [{ column: 'ext', type: 'EXTERN_ID' }, ...EMAIL];

let tiktokBefore: Output;
let tiktokAfter: Output;
let metaBefore: Output;
let metaAfter: Output;
let externBefore: Output;
let externAfter: Output;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'au-diff-'));
  tiktokBefore = await output('tiktok-1', { destination: 'tiktok', from: 0, to: 700, mappings: EMAIL });
  tiktokAfter = await output('tiktok-2', { destination: 'tiktok', from: 250, to: 1000, mappings: EMAIL });
  metaBefore = await output('meta-1', { destination: 'meta', from: 0, to: 500, mappings: EMAIL_PHONE, withoutPhone: (i) => i % 7 === 0 });
  // Some people kept but with a phone removed: their row changes, so it is removed and added.
  metaAfter = await output('meta-2', { destination: 'meta', from: 150, to: 650, mappings: EMAIL_PHONE, withoutPhone: (i) => i % 7 === 0 || (i >= 200 && i < 230) });
  externBefore = await output('extern-1', { destination: 'meta', from: 0, to: 300, mappings: EXTERN_EMAIL });
  externAfter = await output('extern-2', { destination: 'meta', from: 100, to: 400, mappings: EXTERN_EMAIL });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('diffSnapshots, TikTok single layout (EMAIL_SHA256)', () => {
  const layout = (): SnapshotLayout => ({ ...snapshotLayoutFor(tiktokAfter.report.output, tiktokProfile), maxFileBytes: 4096 });

  it('writes exactly the added and removed hashes, within 4 KB files, the same bytes on every run', async () => {
    expect(snapshotLayoutFor(tiktokAfter.report.output, tiktokProfile)).toEqual({ kind: 'single', header: null, filePrefix: 'EMAIL_SHA256', maxFileBytes: 50 * 1024 * 1024 });
    const first = await diff(tiktokBefore.files, tiktokAfter.files, layout());
    const { added, removed } = expectExact(first, tiktokBefore.files, tiktokAfter.files, layout());
    expect([added.length, removed.length, first.unchanged]).toEqual([300, 250, 450]);
    expect(first.added.files.length).toBeGreaterThan(3);
    expect(added.every((line) => /^[0-9a-f]{64}$/.test(line))).toBe(true);
    const second = await diff(tiktokBefore.files, tiktokAfter.files, layout());
    expect(second.added.dir).not.toBe(first.added.dir);
    expect(bytesOf(second)).toEqual(bytesOf(first));
  });

  it('the order depends only on the records: one bucket, 16 buckets and the external sort give the same bytes', async () => {
    const run = (bucketBytes: number) =>
      diffSnapshots({ previous: tiktokBefore.files, current: tiktokAfter.files, layout: layout(), outDir: join(dir, `diff-${++runs}`), dataDir: dataDir(), bucketBytes });
    // 300 added rows of 65 bytes: 19,500 bytes; 1,300 bytes per bucket gives 15 -> 16 buckets, 10 bytes 1,950 -> the sort.
    const [one, sixteen, sorted] = [await run(1 << 30), await run(1300), await run(10)];
    expect(one.added.files.length).toBeGreaterThan(3);
    expect(bytesOf(sixteen)).toEqual(bytesOf(one));
    expect(bytesOf(sorted)).toEqual(bytesOf(one));
  });

  it('first run: everything is added, nothing removed', async () => {
    const result = await diff(null, tiktokAfter.files, layout());
    expectExact(result, null, tiktokAfter.files, layout());
    expect([result.added.rows, result.removed.rows, result.unchanged]).toEqual([750, 0, 0]);
    expect(readdirSync(result.removed.dir)).toEqual([]);
  });

  it('the same output again: nothing to add or remove, empty folders', async () => {
    const result = await diff(tiktokAfter.files, tiktokAfter.files, layout());
    expect(result.added).toMatchObject({ files: [], rows: 0 });
    expect(result.removed).toMatchObject({ files: [], rows: 0 });
    expect(result.unchanged).toBe(750);
    expect(readdirSync(result.added.dir)).toEqual([]);
    expect(readdirSync(result.removed.dir)).toEqual([]);
  });
});

describe('diffSnapshots, Meta multi-key layout', () => {
  const layout = (): SnapshotLayout => ({ ...snapshotLayoutFor(metaAfter.report.output, metaProfile), maxRows: 100 });

  it('compares whole rows: a changed field removes the old row and adds the new one; 100-row files with the header', async () => {
    expect(snapshotLayoutFor(metaAfter.report.output, metaProfile)).toEqual({ kind: 'multi', header: ['EMAIL', 'PHONE'], filePrefix: 'batch', maxRows: 10_000 });
    const first = await diff(metaBefore.files, metaAfter.files, layout());
    const { added, removed } = expectExact(first, metaBefore.files, metaAfter.files, layout());
    // 150 new people, 150 gone; of the 350 kept, 30 lost their phone (26 of them had one: i % 7 != 0).
    const lostPhone = Array.from({ length: 30 }, (_, k) => 200 + k).filter((i) => i % 7 !== 0).length;
    expect([added.length, removed.length, first.unchanged]).toEqual([150 + lostPhone, 150 + lostPhone, 350 - lostPhone]);
    expect(added.some((line) => line.endsWith(','))).toBe(true);
    expect(first.added.files.map((f) => f.rows)).toEqual([100, 76]);
    const second = await diff(metaBefore.files, metaAfter.files, layout());
    expect(bytesOf(second)).toEqual(bytesOf(first));
  });

  it('first run with the platform limit: one batch file holding every row of this run', async () => {
    const limits = snapshotLayoutFor(metaAfter.report.output, metaProfile);
    const result = await diff(null, metaAfter.files, limits);
    expectExact(result, null, metaAfter.files, limits);
    expect(result.added.files.map((f) => f.path)).toEqual(['batch-00001.csv']);
    expect(result.added.rows).toBe(metaAfter.report.rows.kept);
    expect(result.removed.rows).toBe(0);
  });

  it('an EXTERN_ID with a comma and a quote comes back byte for byte', async () => {
    const externLayout: SnapshotLayout = { ...snapshotLayoutFor(externAfter.report.output, metaProfile), maxRows: 100 };
    expect(externLayout.header).toEqual(['EXTERN_ID', 'EMAIL']);
    const result = await diff(externBefore.files, externAfter.files, externLayout);
    const { added, removed } = expectExact(result, externBefore.files, externAfter.files, externLayout);
    expect([added.length, removed.length, result.unchanged]).toEqual([100, 100, 200]);
    expect(added).toEqual(expect.arrayContaining([expect.stringMatching(/^"cust,300""x",[0-9a-f]{64}$/)]));
    expect(removed).toEqual(expect.arrayContaining([expect.stringMatching(/^"cust,0""x",[0-9a-f]{64}$/)]));
    expect(added).toEqual(expect.arrayContaining([expect.stringMatching(/^cust-301,[0-9a-f]{64}$/)]));
  });
});

describe('diffSnapshots refuses', () => {
  const expectLayoutChanged = async (previous: string[], layout: SnapshotLayout, current: string[]) => {
    const outDir = join(dir, `refused-${++runs}`);
    const error = await diffSnapshots({ previous, current, layout, outDir, dataDir: dataDir() }).catch((e: unknown) => e);
    expect(isAuError(error) && error.code).toBe('AU_DIFF_LAYOUT_CHANGED');
    expect((error as Error).message).toMatch(/cannot diff different identifier sets.*full replace/);
    expect(existsSync(join(outDir, 'added'))).toBe(false);
  };

  it('another header, a single layout after a multi one and back, another identifier type', async () => {
    const meta = snapshotLayoutFor(metaAfter.report.output, metaProfile);
    await expectLayoutChanged(metaBefore.files, snapshotLayoutFor(externAfter.report.output, metaProfile), externAfter.files);
    await expectLayoutChanged(tiktokBefore.files, meta, metaAfter.files);
    await expectLayoutChanged(metaBefore.files, snapshotLayoutFor(tiktokAfter.report.output, tiktokProfile), tiktokAfter.files);
    const phoneDir = join(dir, 'phone-snapshot');
    mkdirSync(phoneDir);
    copyFileSync(tiktokBefore.files[0]!, join(phoneDir, 'PHONE_SHA256-00001.csv'));
    await expectLayoutChanged([join(phoneDir, 'PHONE_SHA256-00001.csv')], snapshotLayoutFor(tiktokAfter.report.output, tiktokProfile), tiktokAfter.files);
  });

  it('an output folder that already holds a diff', async () => {
    const layout = snapshotLayoutFor(tiktokAfter.report.output, tiktokProfile);
    const outDir = join(dir, 'taken');
    mkdirSync(join(outDir, 'added'), { recursive: true });
    writeFileSync(join(outDir, 'added', 'EMAIL_SHA256-00001.csv'), '');
    const error = await diffSnapshots({ previous: null, current: tiktokAfter.files, layout, outDir, dataDir: dataDir() }).catch((e: unknown) => e);
    expect(isAuError(error) && error.code).toBe('AU_OUTPUT_EXISTS');
    expect(readdirSync(outDir)).toEqual(['added']);
  });
});
