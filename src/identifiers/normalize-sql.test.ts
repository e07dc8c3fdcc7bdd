import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine/duckdb.js';
import { PHONE_ROW_COUNTRIES, messyRowCountries, messyValues, type MessyKind } from '../testing/messy-values.js';
import { openTestEngine, outcomeMismatches, runRuleTs } from '../testing/rule-sql.js';
import { createLookupTables } from './lookups.js';
import { buildNormalizeQuery, type NormalizeColumn } from './normalize-sql.js';
import type { NormalizationRule, Outcome, RuleContext } from './rule.js';
import { countryRule, dobRule, emailRule, genderRule, maidRule, nameRule, phoneRule, stateRule, zipRule } from './rules/index.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => {
  ({ engine, close } = await openTestEngine());
  await createLookupTables(engine);
});
afterAll(() => close());

const N = 3000;
const COLUMNS: [string, NormalizationRule, MessyKind][] = [
  ['email', emailRule, 'email'],
  ['phone', phoneRule, 'phone'],
  ['fn', nameRule, 'name'],
  ['dob', dobRule, 'dob'],
  ['zip', zipRule, 'zip'],
  ['st', stateRule, 'state'],
  ['gen', genderRule, 'gender'],
  ['maid', maidRule, 'maid'],
];

async function loadTable(name: string, data: Record<string, (string | null)[]>): Promise<void> {
  const names = Object.keys(data);
  await engine.run(`CREATE OR REPLACE TABLE ${name} (i INTEGER, ${names.map((c) => `${c} VARCHAR`).join(', ')})`);
  const appender = await engine.connection.createAppender(name);
  for (let i = 0; i < N; i++) {
    appender.appendInteger(i);
    for (const c of names) {
      const v = data[c]![i] ?? null;
      if (v === null) appender.appendNull();
      else appender.appendVarchar(v);
    }
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

const toOutcome = (value: unknown, reason: unknown): Outcome =>
  reason === null ? { ok: true, value: String(value) } : ({ ok: false, reason } as Outcome);

describe('buildNormalizeQuery', () => {
  it('runs many rules with different layer depths in one query, each as its reference does', async () => {
    const data: Record<string, (string | null)[]> = { country: messyRowCountries(N, 11, PHONE_ROW_COUNTRIES) };
    COLUMNS.forEach(([name, , kind], k) => (data[name] = messyValues(kind, N, 20 + k)));
    await loadTable('src_many', data);
    const ctx: RuleContext = { defaultCountry: 'US', currentYear: 2025, dateFormat: 'MDY' };
    const columns: NormalizeColumn[] = [
      { name: 'country', input: 'country', rule: countryRule },
      ...COLUMNS.map(([name, rule]) => ({ name, input: name, rule })),
    ];
    const query = buildNormalizeQuery({ from: 'src_many', columns, countryColumn: 'country', ctx, passThrough: ['i'] });
    const rows = await engine.all<Record<string, unknown>>(`${query} ORDER BY i`);
    expect(rows.map((r) => r.i)).toEqual(Array.from({ length: N }, (_, i) => i));
    for (const [name, rule] of [['country', countryRule] as const, ...COLUMNS.map(([n, r]) => [n, r] as const)]) {
      const expected = runRuleTs(rule, data[name]!, ctx, data.country);
      const actual = rows.map((r) => toOutcome(r[`${name}_value`], r[`${name}_reason`]));
      expect(outcomeMismatches(data[name]!, expected, actual, data.country), name).toEqual([]);
    }
  });

  it('works without a country column and without columns', async () => {
    await loadTable('src_small', { v: messyValues('phone', N, 31) });
    const query = buildNormalizeQuery({ from: 'src_small', columns: [{ name: 'v', input: 'v', rule: phoneRule }], ctx: {}, passThrough: ['i'] });
    const rows = await engine.all<{ v_reason: string | null }>(query);
    expect(rows).toHaveLength(N);
    expect(rows.some((r) => r.v_reason === 'missing_country')).toBe(true);
    const empty = await engine.all(buildNormalizeQuery({ from: 'src_small', columns: [], ctx: {}, passThrough: ['i'] }));
    expect(empty).toHaveLength(N);
  });

  it('rejects unsafe names, an unknown country column and a deriving country rule', () => {
    const ctx = {};
    expect(() => buildNormalizeQuery({ from: 't', columns: [{ name: 'a b', input: 'x', rule: phoneRule }], ctx })).toThrow(/unsafe/);
    expect(() => buildNormalizeQuery({ from: 't', columns: [{ name: 'a', input: 'x', rule: phoneRule }], countryColumn: 'c', ctx })).toThrow(/not among/);
    expect(() => buildNormalizeQuery({ from: 't', columns: [{ name: 'c', input: 'x', rule: phoneRule }], countryColumn: 'c', ctx })).toThrow(/derive/);
  });
});
