import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine/duckdb.js';
import { AuError } from '../errors.js';
import { openSource, resolveInputs } from '../sources/index.js';
import { fakePeople, TempDir, testEngine, toCsv, writeParquet } from '../sources/test-helpers.js';
import { discoverSchema, formatDiscoveryTable, type DiscoveryReport } from './index.js';

let dir: TempDir;
let engine: Engine;
beforeAll(async () => {
  dir = new TempDir('au-discover-');
  engine = await testEngine(dir);
});
afterAll(() => {
  engine.close();
  dir.remove();
});

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const people = fakePeople(3000);

/** A wide export with every kind of column, as a clean room might write it. */
function wideRows() {
  return people.map((p, i) => ({
    customer_id: p.id,
    Email: i % 50 === 0 ? 'nan' : p.email,
    phone: p.phone,
    mobile_formatted: `+1 (555) ${p.phone.slice(4, 7)}-${p.phone.slice(7)}`,
    firstName: p.first_name,
    surname: ['Smith', 'Jones', 'Brown', 'Lee'][i % 4]!,
    zip: String(10000 + ((i * 37) % 89999)),
    country: p.country,
    dob: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
    gender: i % 3 === 0 ? '' : i % 2 === 0 ? 'F' : 'M',
    email_sha256: sha(p.email),
    half_hashed: i % 2 === 0 ? sha(p.email) : p.email,
    idfa: `${sha(p.id).slice(0, 8)}-${sha(p.id).slice(8, 12)}-4${sha(p.id).slice(13, 16)}-a${sha(p.id).slice(17, 20)}-${sha(p.id).slice(20, 32)}`,
    notes: '',
    contact: p.email,
  }));
}

function column(report: DiscoveryReport, name: string) {
  const found = report.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

describe('discoverSchema', () => {
  let report: DiscoveryReport;
  beforeAll(async () => {
    const path = dir.write('wide.csv', toCsv(wideRows()));
    const source = await openSource(engine, await resolveInputs([path]));
    report = await discoverSchema(engine, source, { sampleRows: 1000 });
  });

  it('reports the sample and an estimated row count', () => {
    expect(report.format).toBe('csv');
    expect(report.sample).toEqual({ rows: 1000, limit: 1000, complete: false });
    expect(report.rows.exact).toBe(false);
    expect(report.rows.count).toBeGreaterThan(2500);
    expect(report.rows.count).toBeLessThan(3500);
  });

  it.each([
    ['customer_id', 'number', 'EXTERN_ID', false],
    ['Email', 'email', 'EMAIL', false],
    ['phone', 'number', 'PHONE', false],
    ['mobile_formatted', 'phone', 'PHONE', false],
    ['firstName', 'text', 'FN', false],
    ['surname', 'text', 'LN', false],
    ['zip', 'number', 'ZIP', false],
    ['country', 'country_code', 'COUNTRY', false],
    ['dob', 'date', 'DOB', false],
    ['gender', 'gender', 'GEN', false],
    ['email_sha256', 'sha256', 'EMAIL', true],
    ['idfa', 'uuid', 'IDFA', false],
    ['contact', 'email', 'EMAIL', false],
  ])('%s: %s -> %s', (name, contentType, type, prehashed) => {
    const c = column(report, name);
    expect(c.contentType).toBe(contentType);
    expect(c.suggestion).toMatchObject({ type, prehashed });
    expect(c.suggestion!.confidence).toBeGreaterThanOrEqual(0.5);
    expect(c.suggestion!.confidence).toBeLessThanOrEqual(1);
  });

  it('counts empties and placeholders', () => {
    expect(column(report, 'gender').emptyRate).toBeCloseTo(1 / 3, 2);
    expect(column(report, 'Email').emptyRate).toBeCloseTo(0.02, 2);
    expect(column(report, 'Email').placeholders).toBe(20);
    expect(column(report, 'notes')).toMatchObject({ contentType: 'empty', emptyRate: 1, samples: [], suggestion: null });
  });

  it('flags a half-hashed column as mixed', () => {
    const c = column(report, 'half_hashed');
    expect(c.contentType).toBe('mixed');
    expect(c.warnings.join(' ')).toMatch(/mixed/);
  });

  it('shows only masked samples, and never a raw value anywhere in the report', () => {
    expect(column(report, 'Email').samples).toEqual(['u***@e***.test', 'u***@e***.test', 'u***@e***.test']);
    expect(column(report, 'mobile_formatted').samples[0]).toMatch(/^\+1 \*\*\*-\*\*\*-\d{4}$/);
    expect(column(report, 'phone').samples[0]).toMatch(/^\*\*\*-\*\*\*-\d{4}$/);
    expect(column(report, 'email_sha256').samples[0]).toMatch(/^[0-9a-f]{6}…$/);
    expect(column(report, 'idfa').samples[0]).toMatch(/^[0-9a-f]{2}\*{6}-\*{4}-/);
    expect(column(report, 'firstName').samples[0]).toMatch(/^\p{Lu}\*\*\*$/u);
    const text = JSON.stringify(report) + formatDiscoveryTable(report);
    for (const p of people.slice(0, 1000)) {
      expect(text).not.toContain(p.email);
      expect(text).not.toContain(p.phone);
      expect(text).not.toContain(sha(p.email).slice(0, 12));
    }
    expect(text).not.toMatch(/Smith|Jones|Brown/);
  });

  it('describes only the columns asked for, the same way, at their source positions', async () => {
    const source = await openSource(engine, await resolveInputs([dir.write('wide-some.csv', toCsv(wideRows()))]));
    const some = await discoverSchema(engine, source, { sampleRows: 1000, columns: ['zip', 'Email', 'no_such_column'] });
    expect(some.columns.map((c) => [c.name, c.position])).toEqual([
      ['Email', 1],
      ['zip', 6],
    ]);
    expect(some.columns).toEqual([column(report, 'Email'), column(report, 'zip')]);
    await expect(discoverSchema(engine, source, { columns: [] })).rejects.toThrow(/no column/);
  });

  it('formats a readable table', () => {
    const table = formatDiscoveryTable(report);
    expect(table).toMatch(/^.*wide\.csv: CSV, about [\d,]+ rows \(estimated\); sampled the first 1,000/);
    expect(table).toMatch(/email_sha256\s+sha256\s+0\.0%\s+EMAIL \(hashed\) 0\.\d\d/);
    expect(table).toMatch(/half_hashed: mixed/);
  });
});

describe('discoverSchema on small and Parquet inputs', () => {
  it('says the count is exact when the sample read everything', async () => {
    const path = dir.write('small.csv', toCsv(people.slice(0, 40).map((p) => ({ email: p.email }))));
    const report = await discoverSchema(engine, await openSource(engine, await resolveInputs([path])));
    expect(report.rows).toEqual({ count: 40, exact: true, method: 'sample' });
    expect(report.sample).toEqual({ rows: 40, limit: 20_000, complete: true });
  });

  it('takes the exact count from Parquet metadata and reads DOUBLE phones as digits', async () => {
    await writeParquet(engine, dir.path('pq/part-0.parquet'), `SELECT 'user' || i || '@example.test' AS email, (15550000000 + i)::DOUBLE AS phone FROM range(30000) t(i)`);
    await writeParquet(engine, dir.path('pq/part-1.parquet'), `SELECT 'user' || i || '@example.test' AS email, (15550000000 + i)::DOUBLE AS phone FROM range(30000, 35000) t(i)`);
    const report = await discoverSchema(engine, await openSource(engine, await resolveInputs([dir.path('pq')])), { sampleRows: 500 });
    expect(report.rows).toEqual({ count: 35_000, exact: true, method: 'parquet-metadata' });
    expect(report.sample.rows).toBe(500);
    expect(column(report, 'phone')).toMatchObject({ sourceType: 'DOUBLE', contentType: 'number', suggestion: { type: 'PHONE' } });
  });

  it('reports rejected rows of the sampled part with places, not content', async () => {
    const lines = ['email,phone', ...people.slice(0, 20).map((p) => `${p.email},${p.phone}`), `${people[20]!.email},${people[20]!.phone},extra`];
    const path = dir.write('ragged.csv', `${lines.join('\n')}\n`);
    const report = await discoverSchema(engine, await openSource(engine, await resolveInputs([path])));
    expect(report.rejects).toEqual([{ reason: 'too_many_fields', count: 1, examples: [{ file: path, line: 22 }] }]);
    expect(report.warnings.join(' ')).toMatch(/1 row\(s\) in the sampled part could not be read/);
  });

  it('rejects a bad sample size', async () => {
    const path = dir.write('tiny.csv', 'email\nuser1@example.test\n');
    const source = await openSource(engine, await resolveInputs([path]));
    await expect(discoverSchema(engine, source, { sampleRows: 0 })).rejects.toBeInstanceOf(AuError);
  });
});
