import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, type Engine } from '../engine/duckdb.js';
import { createLookupTables } from '../identifiers/lookups.js';
import { buildNormalizeQuery, type NormalizeColumn } from '../identifiers/normalize-sql.js';
import type { InvalidReason, NormalizationRule, Outcome, RowContext, RuleContext } from '../identifiers/rule.js';
import { countryRule } from '../identifiers/rules/region.js';

/** An engine for one test file, with its spill folder under the OS temp folder; `close` removes both. */
export async function openTestEngine(): Promise<{ engine: Engine; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'au-rules-'));
  const engine = await openEngine({ tempDir: join(dir, 'tmp'), memoryLimit: '256MB' });
  return {
    engine,
    close() {
      engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunRuleSqlOptions {
  /** Return sha256 hex of the normalized value, computed by DuckDB, instead of the value. */
  hash?: boolean;
}

let tableCounter = 0;

/**
 * Runs a rule's SQL the way the transform does (`buildNormalizeQuery`, with a real COUNTRY column normalized by
 * countryRule when `rowCountries` is given) over `values`, and returns the outcomes in input order.
 */
export async function runRuleSql(
  engine: Engine,
  rule: NormalizationRule,
  values: readonly (string | null)[],
  ctx: RuleContext,
  rowCountries?: readonly (string | null)[],
  options: RunRuleSqlOptions = {},
): Promise<Outcome[]> {
  if (rowCountries && rowCountries.length !== values.length) throw new Error('rowCountries must be as long as values');
  await createLookupTables(engine, [...(rule.lookups ?? []), ...(rowCountries ? (countryRule.lookups ?? []) : [])]);
  const table = `__rule_input_${process.pid}_${++tableCounter}`;
  await engine.run(`CREATE TABLE ${table} (idx INTEGER, v VARCHAR, country VARCHAR)`);
  try {
    const appender = await engine.connection.createAppender(table);
    values.forEach((value, i) => {
      appender.appendInteger(i);
      if (value === null) appender.appendNull();
      else appender.appendVarchar(value);
      const country = rowCountries?.[i] ?? null;
      if (country === null) appender.appendNull();
      else appender.appendVarchar(country);
      appender.endRow();
    });
    appender.flushSync();
    appender.closeSync();

    const columns: NormalizeColumn[] = [{ name: 'v', input: 'v', rule }];
    if (rowCountries) columns.push({ name: 'country', input: 'country', rule: countryRule });
    const query = buildNormalizeQuery({ from: table, columns, countryColumn: rowCountries ? 'country' : undefined, ctx, passThrough: ['idx'] });
    const value = options.hash ? 'sha256(v_value)' : 'v_value';
    const rows = await engine.all<{ idx: number; value: string | null; reason: string | null }>(
      `SELECT idx, ${value} AS value, v_reason AS reason FROM (${query}) ORDER BY idx`,
    );
    if (rows.length !== values.length) throw new Error(`expected ${values.length} rows, got ${rows.length}`);
    return rows.map((row) =>
      row.reason === null ? { ok: true, value: row.value ?? '' } : { ok: false, reason: row.reason as InvalidReason },
    );
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** The TypeScript reference over the same input, with row countries resolved the way the SQL does. */
export function runRuleTs(
  rule: NormalizationRule,
  values: readonly (string | null)[],
  ctx: RuleContext,
  rowCountries?: readonly (string | null)[],
): Outcome[] {
  return values.map((value, i) => {
    const row: RowContext = {};
    if (rowCountries) {
      const country = countryRule.normalize(rowCountries[i], ctx);
      if (country.ok) row.country = country.value.toUpperCase();
    }
    return rule.normalize(value, ctx, row);
  });
}

export const describeOutcome = (outcome: Outcome): string => (outcome.ok ? `value ${JSON.stringify(outcome.value)}` : `invalid: ${outcome.reason}`);

/** Escapes invisible and non-ASCII characters so a mismatch report shows what the input really was. */
export function visible(text: string | null): string {
  if (text === null) return 'null';
  return JSON.stringify(text).replace(/[^\x20-\x7e]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/** Readable list of the first differences between two outcome lists (empty when they agree). */
export function outcomeMismatches(
  values: readonly (string | null)[],
  expected: readonly Outcome[],
  actual: readonly Outcome[],
  rowCountries?: readonly (string | null)[],
  limit = 15,
): string[] {
  const lines: string[] = [];
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const a = expected[i]!;
    const b = actual[i]!;
    const same = a.ok === b.ok && (a.ok ? a.value === (b as { value: string }).value : a.reason === (b as { reason: string }).reason);
    if (same) continue;
    total += 1;
    if (lines.length < limit) {
      const country = rowCountries ? ` (row country ${visible(rowCountries[i] ?? null)})` : '';
      lines.push(`#${i} ${visible(values[i] ?? null)}${country}: TypeScript ${describeOutcome(a)}, SQL ${describeOutcome(b)}`);
    }
  }
  if (total > lines.length) lines.push(`... ${total - lines.length} more`);
  return lines;
}

/** Runs both implementations and returns the readable mismatches. */
export async function crossCheck(
  engine: Engine,
  rule: NormalizationRule,
  values: readonly (string | null)[],
  ctx: RuleContext,
  rowCountries?: readonly (string | null)[],
): Promise<string[]> {
  const sql = await runRuleSql(engine, rule, values, ctx, rowCountries);
  const ts = runRuleTs(rule, values, ctx, rowCountries);
  return outcomeMismatches(values, ts, sql, rowCountries);
}

/** What a table case expects: a normalized value, or an invalid reason. */
export type Expected = string | { reason: InvalidReason };
/** [raw input, expected outcome, the row's COUNTRY cell (omit for none)]. */
export type RuleCase = readonly [input: string | null, expected: Expected, rowCountry?: string | null];

export const rejected = (reason: InvalidReason): Expected => ({ reason });

const sameAsExpected = (expected: Expected, outcome: Outcome) =>
  typeof expected === 'string' ? outcome.ok && outcome.value === expected : !outcome.ok && outcome.reason === expected.reason;
const describeExpected = (expected: Expected) => (typeof expected === 'string' ? `value ${JSON.stringify(expected)}` : `invalid: ${expected.reason}`);

/**
 * Runs table cases through the TypeScript reference and the SQL (one query) and returns readable failures.
 * When any case names a row country, all cases run with a COUNTRY column.
 */
export async function checkCases(engine: Engine, rule: NormalizationRule, cases: readonly RuleCase[], ctx: RuleContext): Promise<string[]> {
  const values = cases.map((c) => c[0]);
  const countries = cases.some((c) => c.length > 2) ? cases.map((c) => c[2] ?? null) : undefined;
  const sql = await runRuleSql(engine, rule, values, ctx, countries);
  const ts = runRuleTs(rule, values, ctx, countries);
  const failures: string[] = [];
  cases.forEach(([input, expected, country], i) => {
    for (const [side, outcome] of [['TypeScript', ts[i]!], ['SQL', sql[i]!]] as const) {
      if (!sameAsExpected(expected, outcome)) {
        const where = country !== undefined ? ` (row country ${visible(country)})` : '';
        failures.push(`${rule.name} ${visible(input)}${where}: expected ${describeExpected(expected)}, ${side} gave ${describeOutcome(outcome)}`);
      }
    }
  });
  return failures;
}

/** Lower-case hex SHA-256 of the UTF-8 bytes, as the platforms expect. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
