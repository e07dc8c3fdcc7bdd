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
  /**
   * Instead of `countryColumn`: an SQL expression over `from` that already gives the row's country (alpha-2,
   * upper-case, NULL for none; the default country still applies), e.g. a key column of a lookup dictionary.
   */
  rowCountry?: string;
  ctx: RuleContext;
  /** Source columns to carry through to the output unchanged (e.g. a row number). */
  passThrough?: string[];
}

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Assembles the rules' SQL fragments into one query, in layers so each intermediate is computed once:
 * 1. `p0`: every rule's `prepare` expressions over the raw input, then `p1`.. for their `prepareMore` layers;
 * 2. `c`: the row's country, from the mapped COUNTRY column when valid, else the default country (that column's
 *    outcome computed there is also its output);
 * 3. `d0`: every other rule's joins, the outcomes of rules without `derive` and the first layer of the others;
 *    `d1`.. further derive layers; `r` the reasons of deriving rules; the final select their values.
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
  const all = columns.map((column) => ({ column, ...fragments.get(column.name)! }));
  const items = (layer: Record<string, string> | undefined, env: SqlEnv) =>
    Object.entries(layer ?? {}).map(([inner, expr]) => `${expr} AS ${env.ref(inner)}`);
  const layer = (name: string, from: string, extra: string[]) =>
    `${name} AS (SELECT *${extra.length ? `,\n  ${extra.join(',\n  ')}` : ''} FROM ${from})`;

  const ctes: string[] = [];
  const passThrough = (options.passThrough ?? []).map(sqlIdent);
  const prepared = all.flatMap(({ fragment, env }) => items(fragment.prepare, env));
  if (options.rowCountry && options.countryColumn) throw new Error('give either countryColumn or rowCountry');
  const givenCountry = options.rowCountry ? [`coalesce(${options.rowCountry}, ${defaultCountry}) AS ${rowCountryRef}`] : [];
  ctes.push(`p0 AS (SELECT ${[...passThrough, ...givenCountry, ...prepared].join(',\n  ') || '1 AS __none'} FROM ${options.from})`);
  const prepareDepth = Math.max(0, ...all.map(({ fragment }) => fragment.prepareMore?.length ?? 0));
  for (let i = 0; i < prepareDepth; i++) {
    ctes.push(layer(`p${i + 1}`, `p${i}`, all.flatMap(({ fragment, env }) => items(fragment.prepareMore?.[i], env))));
  }
  const lastPrepared = `p${prepareDepth} AS p`;

  const country = options.countryColumn ? fragments.get(options.countryColumn) : undefined;
  if (options.countryColumn && !country) throw new Error(`country column ${options.countryColumn} is not among the columns`);
  // A column's outcome as two columns: its reason, and its value where valid (the value is evaluated only there).
  const outcomeItems = (fragment: SqlFragment, env: SqlEnv) => [
    `(${fragment.reason})::VARCHAR AS ${env.ref('__reason')}`,
    `CASE WHEN (${fragment.reason}) IS NULL THEN (${fragment.value})::${fragment.valueType ?? 'VARCHAR'} END AS ${env.ref('__value')}`,
  ];
  if (country) {
    // The country rule cannot depend on the row country; give it the default as its own row country. Its
    // outcome computed here is also the column's output, so it is not computed (and joined) a second time.
    const countryColumn = columns.find((c) => c.name === options.countryColumn)!;
    const countryEnv = envFor(countryColumn.name, defaultCountry);
    const countryFragment = countryColumn.rule.sql(countryColumn.input, countryEnv);
    if (countryFragment.derive?.length) throw new Error('the country column\'s rule cannot use derive layers');
    if (countryFragment.valueType) throw new Error('the country column\'s value must be text: it gives the row\'s country');
    ctes.push(
      `c AS (SELECT p.*, CASE WHEN (${countryFragment.reason}) IS NULL THEN upper(${countryFragment.value}) ELSE ${defaultCountry} END AS ${rowCountryRef},\n  ` +
        `${outcomeItems(countryFragment, countryEnv).join(',\n  ')}\nFROM ${lastPrepared} ${(countryFragment.joins ?? []).join('\n')})`,
    );
  } else {
    ctes.push(options.rowCountry ? `c AS (SELECT * FROM ${lastPrepared})` : `c AS (SELECT p.*, ${defaultCountry} AS ${rowCountryRef} FROM ${lastPrepared})`);
  }

  const rest = all.filter(({ column }) => column.name !== options.countryColumn);
  const deriving = rest.filter(({ fragment }) => fragment.derive?.length);
  const deriveDepth = Math.max(1, ...deriving.map(({ fragment }) => fragment.derive!.length));
  // d0 does every join; rules without derive finish there, where their join aliases are visible.
  const d0 = rest.flatMap(({ fragment, env }) => (fragment.derive?.length ? items(fragment.derive[0], env) : outcomeItems(fragment, env)));
  const joins = rest.flatMap(({ fragment }) => fragment.joins ?? []);
  ctes.push(`d0 AS (SELECT c.*${d0.length ? `,\n  ${d0.join(',\n  ')}` : ''}\nFROM c\n${joins.join('\n')})`);
  for (let i = 1; i < deriveDepth; i++) {
    ctes.push(layer(`d${i}`, `d${i - 1}`, deriving.flatMap(({ fragment, env }) => items(fragment.derive?.[i], env))));
  }
  ctes.push(layer('r', `d${deriveDepth - 1}`, deriving.map(({ fragment, env }) => `(${fragment.reason})::VARCHAR AS ${env.ref('__reason')}`)));

  const selects: string[] = [...passThrough];
  for (const { column, fragment, env } of all) {
    const derived = column.name !== options.countryColumn && fragment.derive?.length;
    selects.push(`${env.ref('__reason')} AS ${sqlIdent(`${column.name}_reason`)}`);
    selects.push(
      derived
        ? `CASE WHEN ${env.ref('__reason')} IS NULL THEN (${fragment.value})::${fragment.valueType ?? 'VARCHAR'} END AS ${sqlIdent(`${column.name}_value`)}`
        : `${env.ref('__value')} AS ${sqlIdent(`${column.name}_value`)}`,
    );
  }
  return `WITH ${ctes.join(',\n')}\nSELECT ${selects.join(',\n  ')}\nFROM r`;
}
