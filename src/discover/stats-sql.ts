import countries from 'i18n-iso-countries';
import { sqlString } from '../engine/duckdb.js';
import { NULL_TOKENS } from '../identifiers/rules/common.js';
import type { MatchKind } from './classify.js';

/**
 * SQL for the per-column statistics of a sample table whose columns are `c0..cN` (VARCHAR, NULL as ''),
 * plus `__r`, the row's position. The value `v` is already trimmed. Patterns are RE2 (DuckDB).
 */

let countrySql: { codes: string; names: string } | undefined;

/** ISO 3166 alpha-2 and alpha-3 codes (plus UK), and English names with their common aliases, lower-case. */
function countryLists(): { codes: string; names: string } {
  if (!countrySql) {
    const codes = new Set<string>(['UK']);
    for (const code of Object.keys(countries.getAlpha2Codes())) codes.add(code.toUpperCase());
    for (const code of Object.keys(countries.getAlpha3Codes())) codes.add(code.toUpperCase());
    const names = new Set<string>();
    for (const aliases of Object.values(countries.getNames('en', { select: 'all' }))) for (const n of aliases) names.add(n.toLowerCase());
    countrySql = { codes: [...codes].sort().map(sqlString).join(', '), names: [...names].sort().map(sqlString).join(', ') };
  }
  return countrySql;
}

const rx = (pattern: string) => `regexp_full_match(v, ${sqlString(pattern)})`;
/** `expr` only where the cheap `test` holds: DuckDB evaluates CASE branches selectively, but not AND operands. */
const guard = (test: string, expr: string) => `CASE WHEN ${test} THEN ${expr} ELSE false END`;
/** Partial match, for cheap pre-filters. */
const has = (pattern: string) => `regexp_matches(v, ${sqlString(pattern)})`;
/** Dates: year first (ISO-like), day or month first with a 4-digit year, and `May 17, 1990` / `17 May 1990`. */
const DIGIT_DATE = String.raw`(19|20)\d{2}[-/.](0?[1-9]|1[0-2])[-/.](0?[1-9]|[12]\d|3[01])([ T].*)?|(0?[1-9]|[12]\d|3[01])[-/.](0?[1-9]|[12]\d|3[01])[-/.](19|20)\d{2}`;
const WORD_DATE = String.raw`\p{L}{3,9}\.? \d{1,2},? (19|20)\d{2}|\d{1,2} \p{L}{3,9}\.? (19|20)\d{2}`;
const NUMERIC_DATE = String.raw`\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}`;
/** An optional `+` or `00`, then 7 to 15 digits with separators around them. */
const PHONE = String.raw`(\+|00)?[\s().\-/]*(\d[\s().\-/]*){7,15}`;

/** One SQL predicate over `v` per match kind, each behind a cheap test where one exists. */
export function matchPredicates(): Record<MatchKind, string> {
  const { codes, names } = countryLists();
  return {
    email: guard(`contains(v, '@')`, rx(String.raw`[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.\p{L}{2,}`)),
    sha256: guard(`length(v) = 64`, rx('[0-9a-fA-F]{64}')),
    md5: guard(`length(v) = 32`, rx('[0-9a-fA-F]{32}')),
    uuid: guard(`length(v) = 36`, rx('[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')),
    // Formatted: at least one non-digit; plain digit runs are phoneDigits.
    phone: `CASE WHEN NOT ${rx(PHONE)} THEN false WHEN ${rx(String.raw`\d+`)} THEN false ELSE NOT ${rx(NUMERIC_DATE)} END`,
    phoneDigits: rx(String.raw`\d{7,15}`),
    digits: rx(String.raw`\d+`),
    number: rx(String.raw`-?\d+([.,]\d+)?`),
    date: `CASE WHEN ${has(String.raw`^\d{1,4}[-/.]`)} THEN ${rx(DIGIT_DATE)} WHEN ${has(String.raw` (19|20)\d{2}$`)} THEN ${rx(WORD_DATE)} ELSE false END`,
    compactDate: guard(`length(v) = 8`, rx(String.raw`(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])`)),
    year: guard(`length(v) = 4`, rx(String.raw`(19|20)\d{2}`)),
    month: guard(`length(v) <= 2`, rx(String.raw`0?[1-9]|1[0-2]`)),
    day: guard(`length(v) <= 2`, rx(String.raw`0?[1-9]|[12]\d|3[01]`)),
    countryCode: guard('length(v) <= 3', `list_contains([${codes}], upper(v))`),
    countryName: guard('length(v) >= 4', `list_contains([${names}], lower(v))`),
    gender: guard('length(v) <= 10', `lower(v) IN ('m', 'f', 'male', 'female', 'man', 'woman', 'w', 'u', 'unknown', 'o', 'other', 'x', 'nb', 'non-binary', 'nonbinary')`),
    postal: guard(`length(v) <= 10`, rx(String.raw`\d{5}(-\d{4})?|[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d`)),
    postalLike: guard(`length(v) <= 10`, `${rx(String.raw`[A-Za-z\d][A-Za-z\d -]{1,9}`)} AND ${has(String.raw`\d`)}`),
    alpha: rx(String.raw`\p{L}[\p{L}\p{M} .'\-]*`),
    initial: guard(`length(v) <= 2`, rx(String.raw`\p{L}\.?`)),
  };
}

/** `kind` of each trimmed value: empty, placeholder (nan, null, n/a ...) or a value. */
function kindExpr(): string {
  return `CASE WHEN v = '' THEN 'empty' WHEN lower(v) IN (${NULL_TOKENS.map(sqlString).join(', ')}) THEN 'placeholder' ELSE 'value' END`;
}

/** Long format of the sample: one row per (row, column) with the trimmed value and its kind. */
export function longSampleSql(sampleTable: string, trim: (expr: string) => string): string {
  return (
    `SELECT __r, col, v, ${kindExpr()} AS kind FROM (` +
    `SELECT __r, col, ${trim('raw')} AS v FROM (UNPIVOT ${sampleTable} ON COLUMNS(* EXCLUDE (__r)) INTO NAME col VALUE raw))`
  );
}

/** Per column: rows, empty, placeholders, distinct values and the count of values matching each kind. */
export function statsSql(longSample: string): string {
  const predicates = matchPredicates();
  const matches = (Object.entries(predicates) as [MatchKind, string][]).map(
    ([kind, predicate]) => `coalesce(sum(n) FILTER (WHERE kind = 'value' AND (${predicate})), 0) AS "m_${kind}"`,
  );
  // Patterns run once per distinct value, weighted by its count: low-cardinality columns cost almost nothing.
  return (
    `SELECT col, sum(n) AS rows, coalesce(sum(n) FILTER (WHERE kind = 'empty'), 0) AS empty, ` +
    `coalesce(sum(n) FILTER (WHERE kind = 'placeholder'), 0) AS placeholders, count(*) FILTER (WHERE kind = 'value') AS distinct_values, ` +
    `${matches.join(', ')} FROM (SELECT col, v, kind, count(*) AS n FROM (${longSample}) GROUP BY col, v, kind) GROUP BY col`
  );
}

/** Per column, the first `n` distinct values in sample order. Raw values: they are masked before leaving. */
export function samplesSql(longSample: string, n: number): string {
  return (
    `SELECT col, v FROM (SELECT col, v, row_number() OVER (PARTITION BY col ORDER BY first) AS k FROM ` +
    `(SELECT col, v, min(__r) AS first FROM (${longSample}) WHERE kind = 'value' GROUP BY col, v)) WHERE k <= ${n} ORDER BY col, k`
  );
}
