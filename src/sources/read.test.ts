import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine/duckdb.js';
import { openSource, resolveInputs, type Source } from './index.js';
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

const people = fakePeople(50);
const asRows = (n = people.length) => people.slice(0, n).map((p) => ({ id: p.id, email: p.email, phone: p.phone, first_name: p.first_name }));

async function open(...paths: string[]): Promise<Source> {
  return openSource(engine, await resolveInputs(paths));
}

async function rows(source: Source, orderBy = 'id'): Promise<Record<string, unknown>[]> {
  return engine.all(`SELECT * EXCLUDE (__file, __row) FROM ${source.view} ORDER BY ${orderBy}`);
}

describe('CSV', () => {
  it('reads a plain CSV with every column as text (leading zeros, long numbers)', async () => {
    const path = dir.write('plain/people.csv', toCsv(asRows()));
    const source = await open(path);
    expect(source.format).toBe('csv');
    expect(source.columns).toEqual(['id', 'email', 'phone', 'first_name'].map((name) => ({ name, sourceType: 'VARCHAR' })));
    const got = await rows(source);
    expect(got).toHaveLength(50);
    expect(got[0]).toEqual({ id: '000000', email: 'user0@example.test', phone: people[0]!.phone, first_name: 'Ava' });
    expect(source.rowCount).toEqual({ rows: 50, exact: false, method: 'line-count' });
    expect(source.rowNumbers).toBe(false);
    const files = await engine.all<{ f: string }>(`SELECT DISTINCT __file AS f FROM ${source.view}`);
    expect(files).toEqual([{ f: path }]);
  });

  it('reads ; with BOM, CRLF and quoted fields holding the delimiter, quotes and line breaks', async () => {
    const data = [
      { id: '001', email: 'user1@example.test', note: 'plain' },
      { id: '002', email: 'user2@example.test', note: 'has ; semicolon' },
      { id: '003', email: 'user3@example.test', note: 'two\r\nlines and "quotes"' },
    ];
    const source = await open(dir.write('semi.csv', toCsv(data, { delimiter: ';', newline: '\r\n', bom: true })));
    expect(source.columns.map((c) => c.name)).toEqual(['id', 'email', 'note']);
    expect(await rows(source)).toEqual(data);
  });

  it('reads tab-separated values', async () => {
    const source = await open(dir.write('people.tsv', toCsv(asRows(5), { delimiter: '\t' })));
    expect(source.columns.map((c) => c.name)).toEqual(['id', 'email', 'phone', 'first_name']);
    expect(await rows(source)).toHaveLength(5);
  });

  it('reads a file without a header, naming columns by position', async () => {
    const source = await open(dir.write('noheader.csv', toCsv(asRows(5).map((r) => ({ email: r.email, name: r.first_name })), { header: false })));
    expect(source.columns.map((c) => c.name)).toEqual(['column0', 'column1']);
    expect(await rows(source, 'column0')).toHaveLength(5);
    expect(source.warnings.join(' ')).toMatch(/no header/);
  });

  it('keeps quoting on when quotes appear only after the sniffer sample', async () => {
    const many = fakePeople(21_000).map((p) => ({ email: p.email, name: p.first_name }));
    many.push({ email: 'late@example.test', name: 'Doe, Jo' });
    const source = await open(dir.write('latequote.csv', toCsv(many)));
    const late = await engine.all(`SELECT name FROM ${source.view} WHERE email = 'late@example.test'`);
    expect(late).toEqual([{ name: 'Doe, Jo' }]);
    expect(await source.rejects()).toEqual([]);
  });

  it('reads gzip, named .gz or not', async () => {
    const text = toCsv(asRows(20));
    for (const name of ['gz/people.csv.gz', 'gz/part-00000']) {
      const source = await open(dir.writeGzip(name, text));
      expect(source.files[0]).toMatchObject({ compression: 'gzip', format: 'csv' });
      expect(await rows(source)).toHaveLength(20);
      expect(source.rowCount).toEqual({ rows: 20, exact: false, method: 'line-count' });
    }
  });

  it('reads UTF-16 with a byte-order mark', async () => {
    const text = toCsv(asRows(3));
    const source = await open(dir.write('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])));
    expect(source.files[0]!.encoding).toBe('utf-16');
    expect((await rows(source))[2]).toMatchObject({ email: 'user2@example.test' });
  });

  it('reads a folder of part files, skipping bookkeeping and empty parts, in name order', async () => {
    dir.write('parts/_SUCCESS', '');
    dir.write('parts/.part-00000.csv.crc', 'crc');
    dir.write('parts/part-00001.csv', toCsv(asRows().slice(20)));
    dir.write('parts/part-00000.csv', toCsv(asRows().slice(0, 20)));
    dir.write('parts/part-00002.csv', '');
    dir.writeGzip('parts/sub/part-00003.csv.gz', toCsv(fakePeople(5, 100).map((p) => ({ id: p.id, email: p.email, phone: p.phone, first_name: p.first_name }))));
    const skipped: string[] = [];
    const files = await resolveInputs([dir.path('parts')], { onSkip: (path) => skipped.push(path) });
    expect(files.map((f) => f.path)).toEqual([dir.path('parts/part-00000.csv'), dir.path('parts/part-00001.csv'), dir.path('parts/sub/part-00003.csv.gz')]);
    expect(skipped).toHaveLength(3);
    const source = await openSource(engine, files);
    expect(await rows(source)).toHaveLength(55);
    const perFile = await engine.all<{ f: string; n: bigint }>(`SELECT __file AS f, count(*) AS n FROM ${source.view} GROUP BY 1 ORDER BY 1`);
    expect(perFile.map((p) => Number(p.n))).toEqual([20, 30, 5]);
    expect(source.rowCount.rows).toBe(55);
  });

  it('skips ragged rows and invalid UTF-8, counting them by reason with lines, and keeps the good rows', async () => {
    const lines = ['id,email,phone', '1,user1@example.test,15550000001', '2,user2@example.test,15550000002,extra', '3,user3@example.test'];
    lines.push('4,user4@example.test,15550000004');
    const bad = Buffer.from('5,user5@exa\xff\xfemple.test,15550000005\n', 'latin1');
    const path = dir.write('ragged.csv', Buffer.concat([Buffer.from(`${lines.join('\n')}\n`), bad, Buffer.from('6,user6@example.test,15550000006\n')]));
    const source = await open(path);
    expect((await rows(source)).map((r) => r.id)).toEqual(['1', '4', '6']);
    const rejects = await source.rejects();
    expect(rejects).toEqual([
      { reason: 'invalid_encoding', count: 1, examples: [{ file: path, line: 6 }] },
      { reason: 'too_few_fields', count: 1, examples: [{ file: path, line: 4 }] },
      { reason: 'too_many_fields', count: 1, examples: [{ file: path, line: 3 }] },
    ]);
    // A second scan of the same rows does not double the counts.
    await engine.all(`SELECT * FROM ${source.view}`);
    expect((await source.rejects()).map((r) => r.count)).toEqual([1, 1, 1]);
    expect(await source.rejectedRows()).toEqual([
      { file: path, line: 3, reason: 'too_many_fields' },
      { file: path, line: 4, reason: 'too_few_fields' },
      { file: path, line: 6, reason: 'invalid_encoding' },
    ]);
    expect(JSON.stringify(rejects)).not.toMatch(/user\d/);
    // Reading one column gets the same rows: every scan checks every column. (Without that, DuckDB 1.5 fails
    // with an internal error that invalidates the database when the projected column has the bad bytes.)
    for (const column of ['id', 'email', 'phone']) {
      const one = await engine.all<Record<string, string>>(`SELECT ${column} FROM ${source.view} ORDER BY 1`);
      expect(one).toHaveLength(3);
    }
    expect((await source.rejects()).map((r) => r.count)).toEqual([1, 1, 1]);
    await source.clearRejects();
    expect(await source.rejects()).toEqual([]);
    await source.close();
    expect(await engine.all(`SELECT * FROM duckdb_views() WHERE view_name = '${source.view}'`)).toEqual([]);
  });
});

describe('several sources in one engine', () => {
  it('keeps views and rejects apart, and a reused view name starts clean', async () => {
    const bad = dir.write('multi/bad.csv', 'email,phone\nuser1@example.test,1\nuser2@example.test,2,extra\n');
    const good = dir.write('multi/good.csv', 'email\nuser3@example.test\n');
    const a = await openSource(engine, await resolveInputs([bad]), { view: 'src_a' });
    const b = await openSource(engine, await resolveInputs([good]), { view: 'src_b' });
    await engine.all(`SELECT * FROM src_a`);
    await engine.all(`SELECT * FROM src_b`);
    expect((await a.rejects()).map((r) => r.count)).toEqual([1]);
    expect(await b.rejects()).toEqual([]);
    const again = await openSource(engine, await resolveInputs([good]), { view: 'src_a' });
    expect(again.view).toBe('src_a');
    expect(await again.rejects()).toEqual([]);
    await expect(openSource(engine, await resolveInputs([good]), { view: 'bad name; drop' })).rejects.toMatchObject({ code: 'AU_OPTION_INVALID' });
  });
});

describe('JSON', () => {
  const records = people.slice(0, 10).map((p, i) => ({
    id: p.id,
    email: p.email,
    phone: Number(p.phone),
    score: i + 0.5,
    tags: { segment: 'a', list: [1, 2] },
    missing: null,
  }));

  it('reads JSON lines, plain and gzipped, rendering numbers without exponent and nested values as JSON', async () => {
    const text = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    for (const name of ['json/people.jsonl', 'json/people.jsonl.gz']) {
      const path = name.endsWith('.gz') ? dir.writeGzip(name, text) : dir.write(name, text);
      const source = await open(path);
      expect(source.format).toBe('json');
      expect(source.columns.map((c) => c.name)).toEqual(['id', 'email', 'phone', 'score', 'tags', 'missing']);
      const got = await rows(source);
      expect(got[0]).toEqual({ id: '000000', email: 'user0@example.test', phone: people[0]!.phone, score: '0.5', tags: '{"segment":"a","list":[1,2]}', missing: null });
    }
  });

  it('reads a JSON array, including phones written as floats', async () => {
    const data = [
      { email: 'user1@example.test', phone: 15559876543.0 },
      { email: 'user2@example.test', phone: 1.5559876544e10 },
    ];
    // JSON.stringify writes 15559876543; a float-minded writer writes 15559876543.0 or 1.5559876544E10.
    const text = `[\n  {"email": "user1@example.test", "phone": 15559876543.0},\n  {"email": "user2@example.test", "phone": 1.5559876544E10}\n]\n`;
    const source = await open(dir.write('array.json', text));
    expect(source.files[0]!.jsonLayout).toBe('array');
    expect(await rows(source, 'email')).toEqual(data.map((d) => ({ email: d.email, phone: String(d.phone) })));
  });

  it('takes the union of keys over a folder of JSON parts and warns about missing ones', async () => {
    dir.write('jparts/part-0.json', `${JSON.stringify({ email: 'user1@example.test', country: 'US' })}\n`);
    dir.write('jparts/part-1.json', `${JSON.stringify({ email: 'user2@example.test' })}\n`);
    const source = await open(dir.path('jparts'));
    expect(source.columns.map((c) => c.name)).toEqual(['email', 'country']);
    expect(await rows(source, 'email')).toEqual([
      { email: 'user1@example.test', country: 'US' },
      { email: 'user2@example.test', country: null },
    ]);
    expect(source.warnings.join(' ')).toMatch(/lack some keys/);
  });
});

describe('Parquet', () => {
  it('renders DOUBLE and BIGINT phones as digits, decimals and dates as written, with row numbers', async () => {
    const path = await writeParquet(
      engine,
      dir.path('pq/one.parquet'),
      `SELECT lpad(i::VARCHAR, 6, '0') AS id, 'user' || i || '@example.test' AS email, (15559876543 + i)::DOUBLE AS phone_double, ` +
        `(15559876543 + i)::BIGINT AS phone_bigint, 12.00::DECIMAL(10,2) AS amount, DATE '1990-05-17' + i::INTEGER AS dob FROM range(30) t(i)`,
    );
    const source = await open(path);
    expect(source.format).toBe('parquet');
    expect(source.columns).toEqual([
      { name: 'id', sourceType: 'VARCHAR' },
      { name: 'email', sourceType: 'VARCHAR' },
      { name: 'phone_double', sourceType: 'DOUBLE' },
      { name: 'phone_bigint', sourceType: 'BIGINT' },
      { name: 'amount', sourceType: 'DECIMAL(10,2)' },
      { name: 'dob', sourceType: 'DATE' },
    ]);
    expect(source.rowCount).toEqual({ rows: 30, exact: true, method: 'parquet-metadata' });
    expect(source.rowNumbers).toBe(true);
    const first = await engine.all(`SELECT * FROM ${source.view} WHERE id = '000000'`);
    expect(first).toEqual([
      { id: '000000', email: 'user0@example.test', phone_double: '15559876543', phone_bigint: '15559876543', amount: '12', dob: '1990-05-17', __file: path, __row: 1n },
    ]);
    const last = await engine.all<{ r: bigint }>(`SELECT __row AS r FROM ${source.view} WHERE id = '000029'`);
    expect(last).toEqual([{ r: 30n }]);
  });

  it('reads a folder of Parquet parts by column name, with row numbers per file', async () => {
    await writeParquet(engine, dir.path('pqparts/part-00000.parquet'), `SELECT 'user' || i || '@example.test' AS email, (15550000000 + i)::BIGINT AS phone FROM range(10) t(i)`);
    // Same columns in another order and another numeric type.
    await writeParquet(engine, dir.path('pqparts/part-00001.parquet'), `SELECT (15550000100 + i)::DOUBLE AS phone, 'user' || (100 + i) || '@example.test' AS email FROM range(5) t(i)`);
    dir.write('pqparts/_SUCCESS', '');
    const source = await open(dir.path('pqparts'));
    expect(source.columns.map((c) => c.name)).toEqual(['email', 'phone']);
    expect(source.rowCount.rows).toBe(15);
    const got = await engine.all<{ email: string; phone: string; __row: bigint }>(`SELECT email, phone, __row FROM ${source.view} ORDER BY phone`);
    expect(got).toHaveLength(15);
    expect(got[10]).toEqual({ email: 'user100@example.test', phone: '15550000100', __row: 1n });
    expect(got.every((r) => /^\d{11}$/.test(r.phone))).toBe(true);
  });
});
