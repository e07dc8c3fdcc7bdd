import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../engine/duckdb.js';
import { nameRule } from '../identifiers/rules/name.js';
import { buildNormalizeQuery } from '../identifiers/normalize-sql.js';
import { addHashEnum, createDictionary, dictionaryRule, HASH_ENUM_MAX_LABELS } from './dictionary.js';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

describe('dictionary hashes (addHashEnum)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine({ tempDir: join(mkdtempSync(join(tmpdir(), 'au-dict-')), 'tmp') });
  });
  afterAll(() => engine.close());

  const raws = ['Zoë', ' ZOË ', 'zoë', "O'Neil", 'oneil', '', '123', 'Ana-María', null];

  it('gives each row the SHA-256 of its normalized value, NULL where invalid, as the reference rule does', async () => {
    const values = raws.map((r) => (r === null ? 'NULL' : `'${r.replaceAll("'", "''")}'`)).join('), (');
    await engine.run(`CREATE TABLE names AS SELECT * FROM (VALUES (${values})) AS t(name)`);
    await createDictionary(engine, { table: 'dict_names', keys: 'SELECT DISTINCT name AS raw FROM names', rule: nameRule, ctx: {}, byCountry: false });
    const validNames = new Set(raws.map((r) => nameRule.normalize(r, {})).flatMap((o) => (o.ok ? [o.value] : [])));
    expect(await addHashEnum(engine, 'dict_names', 'hash_names')).toBe(validNames.size);

    const query = buildNormalizeQuery({
      from: 'names',
      columns: [{ name: 'n', input: 'name', rule: dictionaryRule('dict_names', nameRule, { hashType: 'hash_names' }) }],
      passThrough: ['name'],
      ctx: {},
    });
    const rows = await engine.all<{ name: string | null; n_value: string | null; n_reason: string | null; type: string }>(
      `SELECT name, n_value::VARCHAR AS n_value, n_reason, typeof(n_value) AS type FROM (${query})`,
    );
    expect(rows).toHaveLength(raws.length);
    for (const row of rows) {
      const outcome = nameRule.normalize(row.name, {});
      expect(row.type).toMatch(/^ENUM\(/);
      expect({ name: row.name, value: row.n_value, reason: row.n_reason }).toEqual({
        name: row.name,
        value: outcome.ok ? sha256(outcome.value) : null,
        reason: outcome.ok ? null : outcome.reason,
      });
    }
    // Several spellings of one name share one label.
    const labels = await engine.all<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT unnest(enum_range(NULL::hash_names)))`);
    expect(Number(labels[0]!.n)).toBe(validNames.size);
  });

  it('takes a dictionary without one valid value (an empty ENUM; every row NULL)', async () => {
    await engine.run(`CREATE TABLE dict_none AS SELECT raw, NULL::VARCHAR AS value, 'invalid_name' AS reason FROM (VALUES ('123'), ('--')) AS t(raw)`);
    expect(await addHashEnum(engine, 'dict_none', 'hash_none')).toBe(0);
    expect(await engine.all(`SELECT raw, hash::VARCHAR AS hash FROM dict_none ORDER BY raw`)).toEqual([
      { raw: '--', hash: null },
      { raw: '123', hash: null },
    ]);
  });

  it('leaves a dictionary with more distinct values than the limit as it is', async () => {
    await engine.run(
      `CREATE TABLE dict_big AS SELECT i::VARCHAR AS raw, i::VARCHAR AS value, NULL::VARCHAR AS reason FROM range(${HASH_ENUM_MAX_LABELS + 1}) AS t(i)`,
    );
    expect(await addHashEnum(engine, 'dict_big', 'hash_big')).toBe(null);
    // What is left of a transform's budget counts too.
    expect(await addHashEnum(engine, 'dict_names', 'hash_names_again', 1)).toBe(null);
    const columns = await engine.all<{ column_name: string }>(`SELECT column_name FROM duckdb_columns() WHERE table_name = 'dict_big' ORDER BY column_index`);
    expect(columns.map((c) => c.column_name)).toEqual(['raw', 'value', 'reason']);
    expect(await engine.all(`SELECT * FROM duckdb_types() WHERE type_name = 'hash_big'`)).toEqual([]);
  });
});
