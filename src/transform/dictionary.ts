import { sqlIdent, sqlString, type Engine } from '../engine/duckdb.js';
import { buildNormalizeQuery } from '../identifiers/normalize-sql.js';
import type { NormalizationRule, RuleContext } from '../identifiers/rule.js';

/**
 * Dictionary normalization: a column with few distinct values (names, cities, postal codes, countries) is
 * normalized once per distinct raw value (and row country, where the rule depends on it) into a table that the
 * main query joins. A hash join per row costs far less than a rule's regular expressions per row.
 */

/** Share of distinct values, in a sample, under which a dictionary pays off. */
export const DICTIONARY_MAX_DISTINCT_SHARE = 0.5;

const COUNTRY_SENTINEL = '__au_row_country_probe__';

/** Whether a rule's SQL reads the row's country (phones, states, postal codes do). */
export function usesRowCountry(rule: NormalizationRule, ctx: RuleContext): boolean {
  const fragment = rule.sql('"__input"', {
    ctx,
    ref: (name) => sqlIdent(`__probe__${name}`),
    alias: (name) => sqlIdent(`__probe__j_${name}`),
    rowCountry: COUNTRY_SENTINEL,
  });
  return JSON.stringify(fragment).includes(COUNTRY_SENTINEL);
}

export interface DictionarySpec {
  /** Name of the table to create. */
  table: string;
  /** Relation of distinct keys: `raw` (VARCHAR), `craw` (the row's raw COUNTRY cell) and `rc` (that cell's
   * resolved country, with the default applied), the last two NULL unless `byCountry`. */
  keys: string;
  rule: NormalizationRule;
  ctx: RuleContext;
  /** The rule reads the row's country, so the row's raw COUNTRY cell is part of the key. */
  byCountry: boolean;
}

/** Creates `table(raw, craw, value, reason)` with one row per key. */
export async function createDictionary(engine: Engine, spec: DictionarySpec): Promise<void> {
  const normalize = buildNormalizeQuery({
    from: `(${spec.keys}) AS k`,
    columns: [{ name: 'd', input: 'raw', rule: spec.rule }],
    rowCountry: spec.byCountry ? 'rc' : undefined,
    passThrough: ['raw', 'craw'],
    ctx: spec.ctx,
  });
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(spec.table)} AS SELECT raw, craw, d_value AS value, d_reason AS reason FROM (${normalize})`);
}

export interface KeySet {
  column: string;
  /** Pair each value with the row's COUNTRY cell (the column named `countryColumn`). */
  byCountry: boolean;
}

/**
 * The distinct keys of every dictionary, from one scan of the input (each scan of a CSV input parses all of it)
 * into a narrow table of just the dictionary columns, then one DISTINCT per key set over that table. (GROUPING
 * SETS would do it in one query but does not spill: it ran out of memory on 50 M rows.) Keys of
 * country-dependent rules pair the value with the row's raw COUNTRY cell, so they need no country lookup during
 * the scan. Returns, per key set, the relation of its `raw`, `craw`.
 */
export async function collectDistinctKeys(engine: Engine, table: string, from: string, sets: readonly KeySet[], countryColumn?: string): Promise<string[]> {
  if (sets.some((set) => set.byCountry) && !countryColumn) throw new Error('country-keyed dictionaries need the country column');
  const country = countryColumn ? sqlIdent(countryColumn) : undefined;
  const groupOf = (set: KeySet) => [...new Set([sqlIdent(set.column), ...(set.byCountry ? [country!] : [])])];
  const columns = [...new Set(sets.flatMap(groupOf))];
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} AS SELECT ${columns.join(', ')} FROM ${from}`);
  const tables = new Map<string, string>();
  for (const set of sets) {
    const group = groupOf(set).join(', ');
    if (tables.has(group)) continue;
    const keys = `${table}_${tables.size}`;
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(keys)} AS SELECT DISTINCT ${group} FROM ${sqlIdent(table)}`);
    tables.set(group, keys);
  }
  await engine.run(`DROP TABLE ${sqlIdent(table)}`);
  return sets.map(
    (set) => `SELECT ${sqlIdent(set.column)} AS raw, ${set.byCountry ? country : 'NULL::VARCHAR'} AS craw FROM ${sqlIdent(tables.get(groupOf(set).join(', '))!)}`,
  );
}

/** Adds `rc`, the resolved row country, to keys with a raw COUNTRY cell `craw`, from the COUNTRY dictionary. */
export function withResolvedCountry(keys: string, countryTable: string, ctx: RuleContext): string {
  const fallback = ctx.defaultCountry ? sqlString(ctx.defaultCountry.toUpperCase()) : 'NULL::VARCHAR';
  return (
    `SELECT k.raw, k.craw, CASE WHEN cd.reason IS NULL THEN upper(cd.value) ELSE ${fallback} END AS rc ` +
    `FROM (${keys}) AS k LEFT JOIN ${sqlIdent(countryTable)} AS cd ON cd.raw IS NOT DISTINCT FROM k.craw`
  );
}

/**
 * A rule that answers from a dictionary made by `createDictionary`; its TypeScript side is the original rule.
 * `countryInput` (the raw COUNTRY cell expression) is given for a country-keyed dictionary.
 */
export function dictionaryRule(table: string, rule: NormalizationRule, countryInput?: string): NormalizationRule {
  return {
    name: rule.name,
    normalize: rule.normalize,
    sql(input, env) {
      const d = env.alias('dict');
      const prepare: Record<string, string> = { raw: input };
      if (countryInput) prepare.craw = countryInput;
      const countryMatch = countryInput ? ` AND ${d}.craw IS NOT DISTINCT FROM ${env.ref('craw')}` : '';
      return {
        prepare,
        joins: [`LEFT JOIN ${sqlIdent(table)} AS ${d} ON ${d}.raw IS NOT DISTINCT FROM ${env.ref('raw')}${countryMatch}`],
        value: `${d}.value`,
        reason: `${d}.reason`,
      };
    },
  };
}
