import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine/duckdb.js';
import { openTestEngine } from '../testing/rule-sql.js';
import { LOOKUP_TABLES, createLookupTables } from './lookups.js';
import * as rules from './rules/index.js';
import type { NormalizationRule } from './rule.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

const tableCount = async (name: string) => Number((await engine.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${name}`))[0]!.n);

describe('createLookupTables', () => {
  it('creates only the named tables, once, even when called concurrently', async () => {
    await createLookupTables(engine, ['au_us_state']);
    const temp = async () => (await engine.all<{ table_name: string }>(`SELECT table_name FROM duckdb_tables() WHERE temporary ORDER BY 1`)).map((r) => r.table_name);
    expect(await temp()).toEqual(['au_us_state']);
    await Promise.all([createLookupTables(engine), createLookupTables(engine), createLookupTables(engine, ['au_phone_plan'])]);
    expect(await temp()).toEqual(['au_country_name', 'au_phone_plan', 'au_us_state']);
    const counts = [await tableCount('au_phone_plan'), await tableCount('au_country_name'), await tableCount('au_us_state')];
    await createLookupTables(engine);
    expect([await tableCount('au_phone_plan'), await tableCount('au_country_name'), await tableCount('au_us_state')]).toEqual(counts);
    expect(counts[0]).toBeGreaterThan(1000);
  });

  it('rejects unknown names', async () => {
    await expect(createLookupTables(engine, ['au_nope'])).rejects.toThrow(/au_nope/);
  });

  it('has unique keys, and a table for every lookup a rule declares', async () => {
    for (const name of Object.keys(LOOKUP_TABLES)) {
      const [row] = await engine.all<{ n: bigint; k: bigint }>(`SELECT count(*) AS n, count(DISTINCT key) AS k FROM ${name}`);
      expect(row!.n, name).toBe(row!.k);
    }
    const declared = Object.values(rules)
      .filter((r): r is NormalizationRule => typeof r === 'object' && r !== null && 'normalize' in r)
      .flatMap((r) => r.lookups ?? []);
    expect(declared.length).toBeGreaterThan(0);
    for (const name of declared) expect(LOOKUP_TABLES, name).toHaveProperty(name);
  });
});
