import { sqlIdent, sqlString } from '../engine/duckdb.js';
import type { NormalizationRule, RuleContext, SqlEnv, SqlFragment } from './rule.js';

/** One normalized output column of a query built by `buildNormalizeQuery`. */
export interface NormalizeColumn {
  /** Output name prefix: the query returns `<name>_value` and `<name>_reason`. Letters, digits, underscore. */
  name: string;
  /** VARCHAR SQL expression over the source relation giving the raw cell. */
  input: string;
  rule: NormalizationRule;
}

export interface NormalizeQueryOptions {
  /** A relation (table name, view or parenthesized subquery with alias) whose columns `input` expressions use. */
  from: string;
  columns: NormalizeColumn[];
  /** The column (by name, among `columns`) whose valid values give each row its country. */
  countryColumn?: string;
  ctx: RuleContext;
  /** Source columns to carry through to the output unchanged (e.g. a row number). */
  passThrough?: string[];
}

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Assembles the rules' SQL fragments into one query, in three layers so each intermediate is computed once:
 * 1. `p`: every rule's `prepare` expressions over the raw input;
 * 2. `c`: the row's country, from the mapped COUNTRY column when valid, else the default country;
 * 3. the final select with every rule's joins, values and reasons.
 */
export function buildNormalizeQuery(options: NormalizeQueryOptions): string {
  const { columns, ctx } = options;
  for (const column of columns) {
    if (!SAFE_NAME.test(column.name)) throw new Error(`unsafe column name ${column.name}`);
  }
  const defaultCountry = ctx.defaultCountry ? sqlString(ctx.defaultCountry.toUpperCase()) : 'NULL::VARCHAR';
  const rowCountryRef = '"__row_country"';

  const fragments = new Map<string, { fragment: SqlFragment; env: SqlEnv }>();
  const envFor = (name: string, rowCountry: string): SqlEnv => ({
    ctx,
    ref: (inner) => sqlIdent(`__${name}__${inner}`),
    alias: (inner) => sqlIdent(`__${name}__j_${inner}`),
    rowCountry,
  });
  for (const column of columns) {
    const env = envFor(column.name, rowCountryRef);
    fragments.set(column.name, { fragment: column.rule.sql(column.input, env), env });
  }

  const prepared: string[] = [];
  for (const column of columns) {
    const { fragment, env } = fragments.get(column.name)!;
    for (const [inner, expr] of Object.entries(fragment.prepare)) prepared.push(`${expr} AS ${env.ref(inner)}`);
  }
  const passThrough = (options.passThrough ?? []).map(sqlIdent);
  const layer1 = `SELECT ${[...passThrough, ...prepared].join(',\n  ') || '1 AS __none'} FROM ${options.from}`;

  let layer2: string;
  const country = options.countryColumn ? fragments.get(options.countryColumn) : undefined;
  if (options.countryColumn && !country) throw new Error(`country column ${options.countryColumn} is not among the columns`);
  if (country) {
    // The country rule cannot depend on the row country; give it the default as its own row country.
    const countryColumn = columns.find((c) => c.name === options.countryColumn)!;
    const countryEnv = envFor(countryColumn.name, defaultCountry);
    const countryFragment = countryColumn.rule.sql(countryColumn.input, countryEnv);
    layer2 =
      `SELECT p.*, CASE WHEN (${countryFragment.reason}) IS NULL THEN upper(${countryFragment.value}) ELSE ${defaultCountry} END AS ${rowCountryRef}\n` +
      `FROM p ${(countryFragment.joins ?? []).join('\n')}`;
  } else {
    layer2 = `SELECT p.*, ${defaultCountry} AS ${rowCountryRef} FROM p`;
  }

  const selects: string[] = [...passThrough.map((c) => `c.${c}`)];
  const joins: string[] = [];
  for (const column of columns) {
    const { fragment } = fragments.get(column.name)!;
    joins.push(...(fragment.joins ?? []));
    selects.push(`(${fragment.reason})::VARCHAR AS ${sqlIdent(`${column.name}_reason`)}`);
    selects.push(`CASE WHEN (${fragment.reason}) IS NULL THEN (${fragment.value})::VARCHAR END AS ${sqlIdent(`${column.name}_value`)}`);
  }
  return `WITH p AS (${layer1}),\nc AS (${layer2})\nSELECT ${selects.join(',\n  ')}\nFROM c\n${joins.join('\n')}`;
}
