import { sqlString } from '../../engine/duckdb.js';
import { invalid, type Outcome } from '../rule.js';

/**
 * Placeholders that exports write for a missing value. The tool we replace hashed "nan" and "None";
 * we count them as missing instead, under their own reason so users see where they came from.
 */
export const NULL_TOKENS = ['nan', 'null', 'none', 'n/a', '#n/a', 'na', 'undefined', 'nil', '-', '--', '?'] as const;
const NULL_TOKEN_SET = new Set<string>(NULL_TOKENS);

/**
 * Whitespace as JavaScript's String.prototype.trim sees it, spelled for RE2 too, so both implementations trim
 * the same characters (DuckDB's trim() only removes spaces).
 */
export const WHITESPACE_CLASS = '[\\s\\x{00A0}\\x{FEFF}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{1680}]';

/** The first checks of every rule: missing cells and placeholders. Returns the trimmed value or the outcome. */
export function precheck(raw: string | null | undefined): { trimmed: string } | { outcome: Outcome } {
  if (raw === null || raw === undefined) return { outcome: invalid('empty') };
  const trimmed = raw.trim();
  if (trimmed === '') return { outcome: invalid('empty') };
  if (NULL_TOKEN_SET.has(trimmed.toLowerCase())) return { outcome: invalid('null_token') };
  return { trimmed };
}

/** SQL twin of `precheck`: the trimmed input. */
export function sqlTrim(input: string): string {
  return `regexp_replace(${input}, '^${WHITESPACE_CLASS}+|${WHITESPACE_CLASS}+$', '', 'g')`;
}

/** SQL twin of `precheck`: a reason literal or NULL, given the trimmed expression. */
export function sqlPrecheckReason(trimmed: string): string {
  const tokens = NULL_TOKENS.map(sqlString).join(', ');
  return `CASE WHEN ${trimmed} IS NULL OR ${trimmed} = '' THEN 'empty' WHEN lower(${trimmed}) IN (${tokens}) THEN 'null_token' END`;
}
