import { sqlString } from '../../engine/duckdb.js';
import { invalid, type Outcome } from '../rule.js';

/**
 * Placeholders that exports write for a missing value. The tool we replace hashed "nan" and "None";
 * we count them as missing instead, under their own reason so users see where they came from.
 */
export const NULL_TOKENS = ['nan', 'null', 'none', 'n/a', '#n/a', 'na', 'undefined', 'nil', '-', '--', '?'] as const;
const NULL_TOKEN_SET = new Set<string>(NULL_TOKENS);

/**
 * Whitespace as JavaScript's `\s` and String.prototype.trim see it, spelled for RE2 (whose `\s` is only
 * [\t\n\f\r ]: no vertical tab, no Unicode spaces). Content of a character class, without the brackets.
 */
export const WHITESPACE_CHARS = '\\s\\x{0B}\\x{00A0}\\x{FEFF}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{1680}';
export const WHITESPACE_CLASS = `[${WHITESPACE_CHARS}]`;

/** The first checks of every rule: missing cells and placeholders. Returns the trimmed value or the outcome. */
export function precheck(raw: string | null | undefined): { trimmed: string } | { outcome: Outcome } {
  if (raw === null || raw === undefined) return { outcome: invalid('empty') };
  const trimmed = raw.trim();
  if (trimmed === '') return { outcome: invalid('empty') };
  if (NULL_TOKEN_SET.has(trimmed.toLowerCase())) return { outcome: invalid('null_token') };
  return { trimmed };
}

/**
 * SQL twin of `precheck`: the trimmed input. `input` should be a column (it is used three times).
 *
 * The guard skips the regular expression, which costs more the longer the value, when the first and the last
 * character are U+0021 to U+009F: none of them is whitespace (WHITESPACE_CHARS are U+0009 to U+000D, U+0020 and
 * code points from U+00A0 up), so there is nothing to trim. `ascii` gives the first code point, `substr(.., -1)`
 * the last one; empty and NULL values take the regular expression.
 */
export function sqlTrim(input: string): string {
  const printable = (ch: string) => `abs(ascii(${ch}) - 96) <= 63`;
  return `CASE WHEN ${printable(input)} AND ${printable(`substr(${input}, -1)`)} THEN ${input} ELSE regexp_replace(${input}, '^${WHITESPACE_CLASS}+|${WHITESPACE_CLASS}+$', '', 'g') END`;
}

const NULL_TOKEN_MAX_LENGTH = Math.max(...NULL_TOKENS.map((t) => t.length));

/**
 * SQL twin of `precheck`: a reason literal or NULL, given the trimmed expression.
 *
 * `list_contains` rather than `IN`: DuckDB rewrites an IN list this long into a join, computed for every row even
 * where the CASE does not get there. The length guard skips lower() for longer values: DuckDB's lower() maps each
 * code point to one code point, so it keeps length() (code points); `unicode.test.ts` checks that.
 */
export function sqlPrecheckReason(trimmed: string): string {
  const tokens = `[${NULL_TOKENS.map(sqlString).join(', ')}]`;
  return `CASE WHEN ${trimmed} IS NULL OR ${trimmed} = '' THEN 'empty' WHEN length(${trimmed}) <= ${NULL_TOKEN_MAX_LENGTH} AND list_contains(${tokens}, lower(${trimmed})) THEN 'null_token' END`;
}

/* ------------------------------------------------------------------------------------------------------------
 * Unicode agreement between the TypeScript reference and DuckDB.
 *
 * Node's ICU knows Unicode 16; DuckDB's RE2 and its lower() know an older version. To RE2 the code points below
 * are unassigned: not letters, marks or digits. The reference treats them the same way, so both sides agree on
 * every code point. `unicode.test.ts` recomputes both lists from the running DuckDB and Node, and prints new
 * ones if an upgrade changes them.
 * ---------------------------------------------------------------------------------------------------------- */

/** Code points RE2 in DuckDB does not know (character class content, JS `u` syntax). */
export const RE2_UNKNOWN_CHARS =
  '\\u{88f}\\u{897}\\u{c5c}\\u{cdc}\\u{1acf}-\\u{1add}\\u{1ae0}-\\u{1aeb}\\u{1b4e}-\\u{1b4f}\\u{1b7f}\\u{1c89}-\\u{1c8a}\\u{20c1}' +
  '\\u{2427}-\\u{2429}\\u{2b96}\\u{2ffc}-\\u{2fff}\\u{31e4}-\\u{31e5}\\u{31ef}\\u{a7cb}-\\u{a7cf}\\u{a7d2}\\u{a7d4}\\u{a7da}-\\u{a7dc}' +
  '\\u{a7f1}\\u{fbc3}-\\u{fbd2}\\u{fd90}-\\u{fd91}\\u{fdc8}-\\u{fdce}\\u{105c0}-\\u{105f3}\\u{10940}-\\u{10959}\\u{10d40}-\\u{10d65}' +
  '\\u{10d69}-\\u{10d85}\\u{10d8e}-\\u{10d8f}\\u{10ec2}-\\u{10ec7}\\u{10ed0}-\\u{10ed8}\\u{10efa}-\\u{10efc}\\u{11380}-\\u{11389}' +
  '\\u{1138b}\\u{1138e}\\u{11390}-\\u{113b5}\\u{113b7}-\\u{113c0}\\u{113c2}\\u{113c5}\\u{113c7}-\\u{113ca}\\u{113cc}-\\u{113d5}' +
  '\\u{113d7}-\\u{113d8}\\u{113e1}-\\u{113e2}\\u{116d0}-\\u{116e3}\\u{11b60}-\\u{11b67}\\u{11bc0}-\\u{11be1}\\u{11bf0}-\\u{11bf9}' +
  '\\u{11db0}-\\u{11ddb}\\u{11de0}-\\u{11de9}\\u{11f5a}\\u{13460}-\\u{143fa}\\u{16100}-\\u{16139}\\u{16d40}-\\u{16d79}' +
  '\\u{16ea0}-\\u{16eb8}\\u{16ebb}-\\u{16ed3}\\u{16ff2}-\\u{16ff6}\\u{187f8}-\\u{187ff}\\u{18cff}\\u{18d09}-\\u{18d1e}' +
  '\\u{18d80}-\\u{18df2}\\u{1cc00}-\\u{1ccfc}\\u{1cd00}-\\u{1ceb3}\\u{1ceba}-\\u{1ced0}\\u{1cee0}-\\u{1cef0}\\u{1e5d0}-\\u{1e5fa}' +
  '\\u{1e5ff}\\u{1e6c0}-\\u{1e6de}\\u{1e6e0}-\\u{1e6f5}\\u{1e6fe}-\\u{1e6ff}\\u{1f6d8}\\u{1f777}-\\u{1f77a}\\u{1f8b2}-\\u{1f8bb}' +
  '\\u{1f8c0}-\\u{1f8c1}\\u{1f8d0}-\\u{1f8d8}\\u{1fa54}-\\u{1fa57}\\u{1fa89}-\\u{1fa8a}\\u{1fa8e}-\\u{1fa8f}\\u{1fabe}\\u{1fac6}' +
  '\\u{1fac8}\\u{1facd}\\u{1fadc}\\u{1fadf}\\u{1fae9}-\\u{1faea}\\u{1faef}\\u{1fbcb}-\\u{1fbef}\\u{1fbfa}\\u{2b73a}-\\u{2b73f}' +
  '\\u{2cea2}-\\u{2cead}\\u{2ebf0}-\\u{2ee5d}\\u{323b0}-\\u{33479}';

/** Code points whose lower-case DuckDB's lower() does not know (besides U+0130, handled in `lowerLikeSql`). */
export const DUCKDB_LOWER_UNKNOWN_CHARS =
  '\\u{1c89}\\u{a7cb}-\\u{a7cc}\\u{a7ce}\\u{a7d2}\\u{a7d4}\\u{a7da}\\u{a7dc}\\u{10d50}-\\u{10d65}\\u{16ea0}-\\u{16eb8}';

// eslint-disable-next-line no-misleading-character-class -- single code points, some of them combining marks on purpose
const RE2_UNKNOWN = new RegExp(`[${RE2_UNKNOWN_CHARS}]`, 'gu');
const LOWERABLE_RUN = new RegExp(`[^${DUCKDB_LOWER_UNKNOWN_CHARS}]+`, 'gu');

/** Removes the code points RE2 does not know (SQL removes them as "not a letter" anyway). */
export function removeRe2Unknown(text: string): string {
  return text.replace(RE2_UNKNOWN, '');
}

/**
 * The text as RE2 classifies it: unknown code points become private-use ones, which no class used here matches
 * either. Keeps UTF-16 offsets (a BMP placeholder for a BMP code point, an astral one for an astral one), so
 * match positions found in the view apply to the original.
 */
export function re2View(text: string): string {
  return text.replace(RE2_UNKNOWN, (ch) => (ch.length === 1 ? '\uE000' : '\u{F0000}'));
}

/**
 * Final sigma: a capital sigma ending a word lower-cases to 'ς' (JavaScript, Python and Java all do this), which
 * DuckDB's lower() does not know. Both sides apply this same pattern before lower-casing: a Σ after a letter (and
 * its marks) and not followed by another letter.
 */
const FINAL_SIGMA_PATTERN = '(\\p{L}\\p{M}*)Σ(\\p{M}*)([^\\p{L}\\p{M}]|$)';
const FINAL_SIGMA = new RegExp(FINAL_SIGMA_PATTERN, 'gu');

/** Lower-case exactly like `sqlLower` (DuckDB's lower() plus final sigma). */
export function lowerLikeSql(text: string): string {
  let out = text;
  if (out.includes('Σ')) {
    const chars = out.split('');
    for (const match of re2View(out).matchAll(FINAL_SIGMA)) chars[match.index + match[1]!.length] = 'ς';
    // Any other capital sigma is a medial one; spell it so toLowerCase cannot apply its own final-sigma context.
    out = chars.join('').replaceAll('Σ', 'σ');
  }
  // DuckDB lower-cases 'İ' to a plain 'i' (as Turkish does); JavaScript gives 'i' plus a combining dot.
  out = out.replaceAll('\u0130', 'i');
  return out.replace(LOWERABLE_RUN, (run) => run.toLowerCase());
}

/** SQL twin of `lowerLikeSql`. */
export function sqlLower(expr: string): string {
  // The guard skips the regular expression for the vast majority of values, which have no capital sigma.
  return `lower(CASE WHEN contains(${expr}, 'Σ') THEN regexp_replace(${expr}, '${FINAL_SIGMA_PATTERN}', '\\1ς\\2\\3', 'g') ELSE ${expr} END)`;
}

/**
 * An ASCII lookup key: accents stripped, lower-case, letters a-z only ("Côte d'Ivoire" → "cotedivoire",
 * "U.S.A." → "usa"). DuckDB's strip_accents and NFD-minus-marks agree on every code point for this purpose.
 */
export function asciiKey(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z]/g, '');
}

/** SQL twin of `asciiKey`. */
export function sqlAsciiKey(expr: string): string {
  return `regexp_replace(lower(strip_accents(${expr})), '[^a-z]', '', 'g')`;
}

/** Keeps the characters of the given Unicode classes (e.g. 'L', 'M', 'N'), like SQL `sqlKeepClasses`. */
export function keepClasses(text: string, classes: readonly string[]): string {
  const re = new RegExp(`[^${classes.map((c) => `\\p{${c}}`).join('')}]`, 'gu');
  return removeRe2Unknown(text).replace(re, '');
}

/** SQL twin of `keepClasses`. */
export function sqlKeepClasses(expr: string, classes: readonly string[]): string {
  // Removing runs rather than single characters is a third faster in RE2.
  return `regexp_replace(${expr}, '[^${classes.map((c) => `\\p{${c}}`).join('')}]+', '', 'g')`;
}

/** SQL list literal of strings. */
export function sqlList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}
