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
  /** Relation of distinct keys: `raw` (VARCHAR) and `rc` (the row country, NULL unless `byCountry`). */
  keys: string;
  rule: NormalizationRule;
  ctx: RuleContext;
  /** The rule reads the row's country, so `rc` is part of the key. */
  byCountry: boolean;
}

/** Creates `table(raw, rc, value, reason)` with one row per key. */
export async function createDictionary(engine: Engine, spec: DictionarySpec): Promise<void> {
  const normalize = buildNormalizeQuery({
    from: `(${spec.keys}) AS k`,
    columns: [{ name: 'd', input: 'raw', rule: spec.rule }],
    rowCountry: spec.byCountry ? 'rc' : undefined,
    passThrough: ['raw', 'rc'],
    ctx: spec.ctx,
  });
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(spec.table)} AS SELECT raw, rc, d_value AS value, d_reason AS reason FROM (${normalize})`);
}

export interface KeySet {
  column: string;
  byCountry: boolean;
}

/**
 * The distinct keys of several dictionaries in one scan of the input (GROUPING SETS), into `table`; returns, per
 * key set, the relation of its `raw`, `rc` keys. One scan matters: each scan of a CSV input parses all of it.
 */
export async function collectDistinctKeys(engine: Engine, table: string, from: string, sets: readonly KeySet[]): Promise<string[]> {
  const columns = [...new Set(sets.map((s) => s.column))];
  const keyColumns = [...columns.map(sqlIdent), ...(sets.some((s) => s.byCountry) ? ['__rc'] : [])];
  const groupOf = (set: KeySet) => [sqlIdent(set.column), ...(set.byCountry ? ['__rc'] : [])];
  const unique = [...new Map(sets.map((set) => [groupOf(set).join(','), set])).values()];
  // GROUPING() sets a bit for each argument NOT in the row's grouping set, the first argument the highest bit.
  const maskOf = (set: KeySet) => {
    const grouped = new Set(groupOf(set));
    return keyColumns.reduce((mask, key, i) => mask | (grouped.has(key) ? 0 : 1 << (keyColumns.length - 1 - i)), 0);
  };
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} AS SELECT GROUPING(${keyColumns.join(', ')}) AS g, ${keyColumns.join(', ')}${keyColumns.includes('__rc') ? '' : ', NULL::VARCHAR AS __rc'} ` +
      `FROM ${from} GROUP BY GROUPING SETS (${unique.map((set) => `(${groupOf(set).join(', ')})`).join(', ')})`,
  );
  return sets.map(
    (set) => `SELECT ${sqlIdent(set.column)} AS raw, ${set.byCountry ? '__rc' : 'NULL::VARCHAR'} AS rc FROM ${sqlIdent(table)} WHERE g = ${maskOf(set)}`,
  );
}

/** A rule that answers from a dictionary made by `createDictionary`; its TypeScript side is the original rule. */
export function dictionaryRule(table: string, rule: NormalizationRule, byCountry: boolean): NormalizationRule {
  return {
    name: rule.name,
    normalize: rule.normalize,
    sql(input, env) {
      const d = env.alias('dict');
      const countryMatch = byCountry ? ` AND ${d}.rc IS NOT DISTINCT FROM ${env.rowCountry}` : '';
      return {
        prepare: { raw: input },
        joins: [`LEFT JOIN ${sqlIdent(table)} AS ${d} ON ${d}.raw IS NOT DISTINCT FROM ${env.ref('raw')}${countryMatch}`],
        value: `${d}.value`,
        reason: `${d}.reason`,
      };
    },
  };
}

/** The row's country as the main query computes it, from a COUNTRY dictionary: for the keys of other dictionaries. */
export function rowCountryFromDictionary(dictionaryAlias: string, ctx: RuleContext): string {
  const fallback = ctx.defaultCountry ? sqlString(ctx.defaultCountry.toUpperCase()) : 'NULL::VARCHAR';
  return `CASE WHEN ${dictionaryAlias}.reason IS NULL THEN upper(${dictionaryAlias}.value) ELSE ${fallback} END`;
}
