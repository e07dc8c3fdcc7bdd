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
  /** Relation of distinct keys: `raw` (VARCHAR) and, when `byCountry`, `rc` (the row's resolved country). */
  keys: string;
  rule: NormalizationRule;
  ctx: RuleContext;
  /** The rule reads the row's country, so the row's resolved country is part of the key. */
  byCountry: boolean;
}

/** Creates `table(raw, value, reason)`, plus `rc` when `byCountry`, with one row per key. */
export async function createDictionary(engine: Engine, spec: DictionarySpec): Promise<void> {
  const keyColumns = spec.byCountry ? ['raw', 'rc'] : ['raw'];
  const normalize = buildNormalizeQuery({
    from: `(${spec.keys}) AS k`,
    columns: [{ name: 'd', input: 'raw', rule: spec.rule }],
    rowCountry: spec.byCountry ? 'rc' : undefined,
    passThrough: keyColumns,
    ctx: spec.ctx,
  });
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(spec.table)} AS SELECT ${keyColumns.join(', ')}, d_value AS value, d_reason AS reason FROM (${normalize})`);
}

export interface KeySet {
  column: string;
  /** Pair each value with the row's COUNTRY cell (the column named `countryColumn`). */
  byCountry: boolean;
}

/**
 * The distinct keys of every dictionary: one DISTINCT per key set over `table` (the input, read once into a
 * table). (GROUPING SETS would do it in one query but does not spill: it ran out of memory on 50 M rows.) Keys of
 * country-dependent rules pair the value with the row's raw COUNTRY cell, so they need no country lookup here.
 * Returns, per key set, the relation of its `raw`, `craw`, and the tables to drop once the dictionaries are built.
 */
export async function collectDistinctKeys(
  engine: Engine,
  table: string,
  sets: readonly KeySet[],
  countryColumn?: string,
): Promise<{ keys: string[]; tables: string[] }> {
  if (sets.some((set) => set.byCountry) && !countryColumn) throw new Error('country-keyed dictionaries need the country column');
  const country = countryColumn ? sqlIdent(countryColumn) : undefined;
  const groupOf = (set: KeySet) => [...new Set([sqlIdent(set.column), ...(set.byCountry ? [country!] : [])])];
  const tables = new Map<string, string>();
  for (const set of sets) {
    const group = groupOf(set).join(', ');
    if (tables.has(group)) continue;
    const keys = `${table}_keys_${tables.size}`;
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(keys)} AS SELECT DISTINCT ${group} FROM ${sqlIdent(table)}`);
    tables.set(group, keys);
  }
  return {
    keys: sets.map(
      (set) => `SELECT ${sqlIdent(set.column)} AS raw, ${set.byCountry ? country : 'NULL::VARCHAR'} AS craw FROM ${sqlIdent(tables.get(groupOf(set).join(', '))!)}`,
    ),
    tables: [...tables.values()],
  };
}

/**
 * Keys with a raw COUNTRY cell `craw` as keys of their resolved country `rc` (from the COUNTRY dictionary, else the
 * default country, as the main query resolves each row's country). Several spellings of a country ("US", "usa",
 * "United States") become one key: fewer values to normalize, and a smaller table for the main query to join.
 */
export function withResolvedCountry(keys: string, countryTable: string, ctx: RuleContext): string {
  const fallback = ctx.defaultCountry ? sqlString(ctx.defaultCountry.toUpperCase()) : 'NULL::VARCHAR';
  return (
    `SELECT DISTINCT k.raw, CASE WHEN cd.reason IS NULL THEN upper(cd.value) ELSE ${fallback} END AS rc ` +
    `FROM (${keys}) AS k LEFT JOIN ${sqlIdent(countryTable)} AS cd ON cd.raw IS NOT DISTINCT FROM k.craw`
  );
}

/**
 * Most labels the hash ENUMs (`addHashEnum`) of one transform hold together. An ENUM's labels live outside DuckDB's
 * memory limit: creating one of 250,000 hashes grew resident memory by 82 MB (measured), none of it counted by
 * DuckDB, so the budget is for all dictionaries of a transform, not for each.
 */
export const HASH_ENUM_MAX_LABELS = 250_000;

/**
 * Adds a `hash` column to a dictionary made by `createDictionary`: the SHA-256 of each valid value, as an ENUM
 * type named `type` whose labels are those hashes. A rule reading it (`dictionaryRule` with `hashType`) gives each
 * row its value's hash as a code of 1 to 4 bytes instead of the text: the normalized rows take less memory, dedupe
 * compares integers, and each distinct value is hashed once. Returns the number of labels, or null, changing
 * nothing, when the dictionary has more than `maxLabels` distinct valid values.
 */
export async function addHashEnum(engine: Engine, table: string, type: string, maxLabels = HASH_ENUM_MAX_LABELS): Promise<number | null> {
  const hashes = `${table}_hashes`;
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${sqlIdent(hashes)} AS SELECT value, sha256(value) AS hash FROM (SELECT DISTINCT value FROM ${sqlIdent(table)} WHERE reason IS NULL)`,
  );
  try {
    const [count] = await engine.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${sqlIdent(hashes)}`);
    const labels = Number(count?.n ?? 0);
    if (labels > maxLabels) return null;
    // Labels in hash order, so that the same input gives the same type.
    await engine.run(`CREATE TYPE ${sqlIdent(type)} AS ENUM (SELECT hash FROM ${sqlIdent(hashes)} ORDER BY hash)`);
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} AS SELECT d.*, h.hash::${sqlIdent(type)} AS hash ` +
        `FROM ${sqlIdent(table)} AS d LEFT JOIN ${sqlIdent(hashes)} AS h ON h.value = d.value`,
    );
    return labels;
  } finally {
    await engine.run(`DROP TABLE ${sqlIdent(hashes)}`);
  }
}

/**
 * A rule that answers from a dictionary made by `createDictionary`; its TypeScript side is the original rule.
 * A country-keyed dictionary (`byCountry`) is looked up by the value and the row's resolved country. With
 * `hashType` (see `addHashEnum`), the SQL value is the value's hash as that ENUM, not the value.
 */
export function dictionaryRule(table: string, rule: NormalizationRule, { byCountry = false, hashType }: { byCountry?: boolean; hashType?: string } = {}): NormalizationRule {
  return {
    name: rule.name,
    normalize: rule.normalize,
    sql(input, env) {
      const d = env.alias('dict');
      const countryMatch = byCountry ? ` AND ${d}.rc IS NOT DISTINCT FROM ${env.rowCountry}` : '';
      return {
        prepare: { raw: input },
        joins: [`LEFT JOIN ${sqlIdent(table)} AS ${d} ON ${d}.raw IS NOT DISTINCT FROM ${env.ref('raw')}${countryMatch}`],
        value: hashType ? `${d}.hash` : `${d}.value`,
        ...(hashType ? { valueType: sqlIdent(hashType) } : {}),
        reason: `${d}.reason`,
      };
    },
  };
}
