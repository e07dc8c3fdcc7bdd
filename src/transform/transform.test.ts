import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaProfile } from '../destinations/meta/profile.js';
import { tiktokProfile } from '../destinations/tiktok/profile.js';
import { openEngine, type Engine } from '../engine/duckdb.js';
import { isAuError } from '../errors.js';
import type { Outcome, RuleContext } from '../identifiers/rule.js';
import { countryRule } from '../identifiers/rules/region.js';
import { BENCH_MAPPINGS, writeSyntheticDataset } from '../testing/synthetic-dataset.js';
import type { ColumnMapping } from './mapping.js';
import type { TransformReport } from './report.js';
import { transform } from './transform.js';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

let dir: string;
let engine: Engine;
const ROWS = 1_000_000;
let bigCsv: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'au-transform-'));
  engine = await openEngine({ tempDir: join(dir, 'tmp') });
  bigCsv = join(dir, 'audience-1m.csv');
  await writeSyntheticDataset(engine, bigCsv, { rows: ROWS, seed: 11 });
});

afterAll(() => engine?.close());

const ctx: RuleContext = { defaultCountry: 'US' };
const run = (name: string, options: { inputs: string[]; destination: string; mappings: ColumnMapping[]; defaultCountry?: string; threads?: number }) =>
  transform({ ...options, outDir: join(dir, name), dataDir: join(dir, 'data') });

/** Reads the synthetic CSV: no value has a comma or a quote, so only empty strings are quoted (as ""). */
function readSyntheticCsv(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const fields = (line: string) => line.split(',').map((f) => (f === '""' ? '' : f));
  const rows = lines.slice(1).map(fields);
  expect(rows.some((row) => row.some((f) => f.includes('"')))).toBe(false);
  return { header: fields(lines[0]!), rows };
}

function readOutput(outDir: string, report: TransformReport): { lines: string[]; header: string | null } {
  const lines: string[] = [];
  let header: string | null = null;
  for (const file of report.output.files) {
    const bytes = readFileSync(join(outDir, file.path));
    expect(file.bytes).toBe(bytes.length);
    expect(file.md5).toBe(md5(bytes));
    const fileLines = bytes.toString('utf8').split('\n');
    expect(fileLines.pop()).toBe('');
    if (report.output.header) header = fileLines.shift()!;
    expect(fileLines.length).toBe(file.rows);
    for (const line of fileLines) lines.push(line);
  }
  return { lines, header };
}

describe('transform on 1 M synthetic rows', () => {
  it('Meta: every count in report.json matches counts computed independently with the TypeScript rules', async () => {
    const mappings: ColumnMapping[] = [...BENCH_MAPPINGS, { column: 'city', type: 'CT' }];
    const report = await run('meta-1m', { inputs: [bigCsv], destination: 'meta', mappings, defaultCountry: 'US' });

    const { header, rows } = readSyntheticCsv(bigCsv);
    const at = mappings.map((m) => header.indexOf(m.column));
    const countryAt = header.indexOf('country');
    const perColumn = mappings.map(() => new Map<string, number>());
    const tuples = new Set<string>();
    let withIdentifier = 0;
    for (const row of rows) {
      const country = countryRule.normalize(row[countryAt], ctx);
      const rowCtx = country.ok ? { country: country.value.toUpperCase() } : {};
      const values: string[] = [];
      mappings.forEach((m, i) => {
        const outcome: Outcome = metaProfile.identifiers[m.type]!.rule.normalize(row[at[i]!], ctx, rowCtx);
        const key = outcome.ok ? 'valid' : outcome.reason;
        perColumn[i]!.set(key, (perColumn[i]!.get(key) ?? 0) + 1);
        values.push(outcome.ok ? outcome.value : '\u0000');
      });
      if (values.some((v) => v !== '\u0000')) {
        withIdentifier += 1;
        tuples.add(values.join('\u0001'));
      }
    }

    expect(report.rows.read).toBe(ROWS);
    expect(report.rows.unreadable).toBe(0);
    expect(report.rows.withIdentifier).toBe(withIdentifier);
    expect(report.rows.withoutIdentifier).toBe(ROWS - withIdentifier);
    expect(report.rows.kept).toBe(tuples.size);
    expect(report.rows.duplicates).toBe(withIdentifier - tuples.size);
    report.columns.forEach((column, i) => {
      const expected = perColumn[i]!;
      expect(column.valid, column.column).toBe(expected.get('valid') ?? 0);
      expect(column.empty, column.column).toBe(expected.get('empty') ?? 0);
      const invalid = Object.fromEntries([...expected].filter(([k]) => k !== 'valid' && k !== 'empty'));
      expect(column.invalid, column.column).toEqual(invalid);
    });
    // The generator makes every kind of mess, so the counts above are not trivially zero.
    expect(report.rows.duplicates).toBeGreaterThan(ROWS / 10);
    expect(Object.keys(report.columns[1]!.invalid).length).toBeGreaterThanOrEqual(3);

    expect(report.output.header).toEqual(['EMAIL', 'PHONE', 'LN', 'FN', 'CT', 'ZIP', 'COUNTRY']);
    expect(report.output.files.every((f) => f.rows <= 10_000)).toBe(true);
    expect(report.output.files.reduce((n, f) => n + f.rows, 0)).toBe(tuples.size);

    // Every line is one distinct tuple's SHA-256s in header order (names, postal codes and countries come hashed
    // from their dictionaries, emails and phones are hashed per line). Lines compared by their MD5, to save memory.
    const byHeader = report.output.header!.map((key) => mappings.findIndex((m) => m.type === key));
    const lineDigest = (line: string) => createHash('md5').update(line).digest('base64');
    const expectedLines = new Set<string>();
    for (const tuple of tuples) {
      const values = tuple.split('\u0001');
      expectedLines.add(lineDigest(byHeader.map((i) => (values[i] === '\u0000' ? '' : sha256(values[i]!))).join(',')));
    }
    const outputLines = new Set(readOutput(join(dir, 'meta-1m'), report).lines.map(lineDigest));
    expect(outputLines.size).toBe(tuples.size);
    expect([...outputLines].filter((digest) => !expectedLines.has(digest))).toEqual([]);
  });

  it('TikTok: the files hold exactly the SHA-256 of each distinct valid email, once, headerless', async () => {
    const report = await run('tiktok-1m', { inputs: [bigCsv], destination: 'tiktok', mappings: [{ column: 'email', type: 'EMAIL' }] });
    const { header, rows } = readSyntheticCsv(bigCsv);
    const emailAt = header.indexOf('email');
    const expected = new Set<string>();
    for (const row of rows) {
      const outcome = tiktokProfile.identifiers.EMAIL!.rule.normalize(row[emailAt], {});
      if (outcome.ok) expected.add(sha256(outcome.value));
    }
    const { lines, header: outHeader } = readOutput(join(dir, 'tiktok-1m'), report);
    expect(outHeader).toBeNull();
    expect(report.output.typeName).toBe('EMAIL_SHA256');
    expect(lines.length).toBe(expected.size);
    expect(lines.filter((line) => !expected.has(line))).toEqual([]);
    expect(report.rows.kept).toBe(expected.size);
  });
});

describe('transform', () => {
  let small: string;
  beforeAll(async () => {
    small = join(dir, 'small.csv');
    await writeSyntheticDataset(engine, small, { rows: 30_000, seed: 5 });
  });

  it('is reproducible byte for byte, whatever the thread count', async () => {
    const mappings: ColumnMapping[] = [{ column: 'email', type: 'EMAIL' }, { column: 'phone', type: 'PHONE' }, { column: 'country', type: 'COUNTRY' }];
    await run('same-a', { inputs: [small], destination: 'tiktok', mappings, threads: 2 });
    await run('same-b', { inputs: [small], destination: 'tiktok', mappings, threads: 1 });
    const files = readdirSync(join(dir, 'same-a')).sort();
    expect(files).toEqual(readdirSync(join(dir, 'same-b')).sort());
    expect(files).toContain('MULTIPLE_TYPES-00001.csv');
    for (const file of files) expect(readFileSync(join(dir, 'same-a', file))).toEqual(readFileSync(join(dir, 'same-b', file)));
  });

  it('TikTok MULTIPLE_TYPES: a header naming each column, empty cells for missing identifiers', async () => {
    const report = await run('multi', {
      inputs: [small],
      destination: 'tiktok',
      mappings: [{ column: 'email', type: 'EMAIL' }, { column: 'phone', type: 'PHONE' }, { column: 'country', type: 'COUNTRY' }],
    });
    const { lines, header } = readOutput(join(dir, 'multi'), report);
    expect(header).toBe('EMAIL_SHA256,PHONE_SHA256');
    expect(report.columns[2]).toMatchObject({ identifier: 'COUNTRY', contextOnly: true });
    for (const line of lines) expect(line).toMatch(/^([0-9a-f]{64})?,([0-9a-f]{64})?$/);
    expect(lines.some((l) => l.startsWith(','))).toBe(true);
    expect(lines.some((l) => l.endsWith(','))).toBe(true);
  });

  it('passes pre-hashed columns through lower-cased, never hashing twice, and counts non-hashes invalid', async () => {
    const csv = join(dir, 'prehashed.csv');
    const hashes = Array.from({ length: 200 }, (_, i) => sha256(`person${i}@example.test`));
    const lines = ['hashed_email', ...hashes.map((h, i) => (i % 2 ? h.toUpperCase() : h)), 'not-a-hash', '', hashes[0]!];
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const report = await run('prehashed', { inputs: [csv], destination: 'tiktok', mappings: [{ column: 'hashed_email', type: 'EMAIL' }] });
    expect(report.columns[0]).toMatchObject({ prehashed: true, valid: 201, empty: 1, invalid: { not_sha256: 1 } });
    expect(report.rows.duplicates).toBe(1);
    const { lines: out } = readOutput(join(dir, 'prehashed'), report);
    expect(new Set(out)).toEqual(new Set(hashes));
  });

  it('samples each column for pre-hashed values from its first 10,000 values, however many blanks come first', async () => {
    // The email column has values from the first row and is sampled with the first rows of every column. The phone
    // column has 10 plain numbers in its first 30,000 rows, then 10,000 hashes: too few values among the first rows,
    // so it is sampled on its own, and its first 10,000 values are mostly hashes.
    const csv = join(dir, 'prehashed-late.csv');
    const rows = 40_000;
    const phone = (i: number) => (i >= 30_000 ? sha256(`+1555${i}`) : i >= 25_000 && i < 25_010 ? `+1 650 555 ${1000 + i - 25_000}` : '');
    const lines = ['hashed_email,phone', ...Array.from({ length: rows }, (_, i) => `${sha256(`p${i}@example.test`)},${phone(i)}`)];
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const report = await run('prehashed-late', {
      inputs: [csv],
      destination: 'meta',
      mappings: [{ column: 'hashed_email', type: 'EMAIL' }, { column: 'phone', type: 'PHONE' }],
    });
    expect(report.columns.map((c) => [c.column, c.prehashed, c.valid, c.empty, c.invalid])).toEqual([
      ['hashed_email', true, rows, 0, {}],
      ['phone', true, 10_000, rows - 10_010, { not_sha256: 10 }],
    ]);
  });

  it('Meta: DOB is split into hashed DOBY, DOBM, DOBD; MADID and EXTERN_ID stay raw', async () => {
    const csv = join(dir, 'meta-keys.csv');
    writeFileSync(
      csv,
      'id,birth,device,sex\nC-001,1990-03-04,F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6,Female\nC-002,31.12.1985,,m\nC-003,03/04/1990,,x\n',
    );
    const report = await run('meta-keys', {
      inputs: [csv],
      destination: 'meta',
      mappings: [{ column: 'id', type: 'EXTERN_ID' }, { column: 'birth', type: 'DOB' }, { column: 'device', type: 'MAID' }, { column: 'sex', type: 'GEN' }],
    });
    const { lines, header } = readOutput(join(dir, 'meta-keys'), report);
    expect(header).toBe('EXTERN_ID,GEN,DOBY,DOBM,DOBD,MADID');
    const byId = Object.fromEntries(lines.map((l) => [l.split(',')[0], l]));
    expect(byId['C-001']).toBe(['C-001', sha256('f'), sha256('1990'), sha256('03'), sha256('04'), 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'].join(','));
    expect(byId['C-002']).toBe(['C-002', sha256('m'), sha256('1985'), sha256('12'), sha256('31'), ''].join(','));
    expect(byId['C-003']).toBe('C-003,,,,,');
    expect(report.columns[1]!.invalid).toEqual({ ambiguous_date: 1 });
    expect(report.columns[3]!.invalid).toEqual({ invalid_gender: 1 });
  });

  it('reads gzip and Parquet folders of part files like their CSV', async () => {
    const parts = join(dir, 'parts');
    mkdirSync(parts);
    await engine.run(`COPY (SELECT * FROM read_csv('${small}', all_varchar = true) LIMIT 15000) TO '${join(parts, 'part-0.parquet')}' (FORMAT parquet)`);
    await engine.run(`COPY (SELECT * FROM read_csv('${small}', all_varchar = true) OFFSET 15000) TO '${join(parts, 'part-1.parquet')}' (FORMAT parquet)`);
    const gz = join(dir, 'small.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(small)));
    const mappings: ColumnMapping[] = [{ column: 'email', type: 'EMAIL' }];
    const fromCsv = await run('from-csv', { inputs: [small], destination: 'tiktok', mappings });
    const fromParquet = await run('from-parquet', { inputs: [parts], destination: 'tiktok', mappings });
    const fromGzip = await run('from-gzip', { inputs: [gz], destination: 'tiktok', mappings });
    expect(fromParquet.output.files).toEqual(fromCsv.output.files);
    expect(fromGzip.output.files).toEqual(fromCsv.output.files);
    expect(fromParquet.rows).toEqual(fromCsv.rows);
  });

  it('fails with a clear error and leaves no output for a missing column, a bad input or a used folder', async () => {
    const attempt = async (name: string, inputs: string[], mappings: ColumnMapping[]) => {
      const error = await run(name, { inputs, destination: 'meta', mappings }).catch((e: unknown) => e);
      expect(isAuError(error), `${name}: ${String((error as Error).stack ?? JSON.stringify(error))}`).toBe(true);
      expect(existsSync(join(dir, name))).toBe(false);
      expect(readdirSync(dir).some((f) => f.startsWith(`.${name}.partial`))).toBe(false);
      return error as Error & { code: string };
    };
    const email: ColumnMapping[] = [{ column: 'email', type: 'EMAIL' }];
    expect((await attempt('bad-col', [small], [{ column: 'e_mail', type: 'EMAIL' }])).message).toMatch(/"e_mail" does not exist/);
    const notGzip = join(dir, 'fake.csv.gz');
    writeFileSync(notGzip, 'email\nx@example.test\n');
    expect((await attempt('bad-gzip', [notGzip], email)).message).toContain('fake.csv.gz');
    const truncated = join(dir, 'truncated.csv.gz');
    writeFileSync(truncated, gzipSync(readFileSync(small)).subarray(0, 20_000));
    expect((await attempt('bad-truncated', [truncated], email)).message).toContain('truncated.csv.gz');
    const error1 = await run('bad-type', { inputs: [small], destination: 'tiktok', mappings: [{ column: 'first_name', type: 'FN' }] }).catch((e: unknown) => e);
    expect(error1).toMatchObject({ code: 'AU_MAPPING_UNSUPPORTED', message: expect.stringMatching(/TikTok Ads does not take FN \(column "first_name"\)/) });
    expect(existsSync(join(dir, 'bad-type'))).toBe(false);

    mkdirSync(join(dir, 'used'));
    writeFileSync(join(dir, 'used', 'keep.txt'), 'x');
    const error = await run('used', { inputs: [small], destination: 'tiktok', mappings: email }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AU_OUTPUT_EXISTS' });
    expect(readFileSync(join(dir, 'used', 'keep.txt'), 'utf8')).toBe('x');
  });
});
