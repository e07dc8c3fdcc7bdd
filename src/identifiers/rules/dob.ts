import { invalid, valid, type DateFormat, type InvalidReason, type NormalizationRule, type Outcome, type RuleContext, type SqlEnv, type SqlFragment } from '../rule.js';
import { precheck, sqlList, sqlPrecheckReason, sqlTrim } from './common.js';

/*
 * Dates of birth. Accepted forms (one regular expression with four alternatives, run by both sides):
 *   1. YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, optionally with a time part (ISO "T12:00:00Z", "1990-05-17 00:00:00");
 *   2. YYYYMMDD;
 *   3. DD.MM.YYYY: a dot means day first;
 *   4. DD/MM/YYYY or MM/DD/YYYY (slashes or dashes): when one part is over 12 the order is clear, when both are
 *      equal it does not matter, otherwise RuleContext.dateFormat decides and without it the date is ambiguous.
 * Two-digit years and month names in full dates are not accepted. The date must exist (no 30 February) and its
 * year be from 1900 to the current year (RuleContext.currentYear, default this year). Time zones are ignored:
 * the date is taken as written.
 */
const TIME = '(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?(?: ?[AaPp][Mm])?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?';
const DATE_PATTERN =
  `^(?:([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})${TIME}` +
  '|([0-9]{4})([0-9]{2})([0-9]{2})' +
  `|([0-9]{1,2})\\.([0-9]{1,2})\\.([0-9]{4})${TIME}` +
  `|([0-9]{1,2})[-/]([0-9]{1,2})[-/]([0-9]{4})${TIME})$`;
const DATE_RE = new RegExp(DATE_PATTERN);
/** Capture groups of DATE_PATTERN holding the year, the first number (month, or the first of an ambiguous pair) and the second. */
const YEAR_GROUPS = [1, 4, 9, 12];
const FIRST_GROUPS = [2, 5, 8, 10];
const SECOND_GROUPS = [3, 6, 7, 11];
/** The group whose presence marks form 4, the slash/dash one. */
const AMBIGUOUS_GROUP = 12;

const MIN_YEAR = 1900;
const currentYear = (ctx: RuleContext) => ctx.currentYear ?? new Date().getFullYear();

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_ABBREVIATIONS = MONTHS.map((m) => m.slice(0, 3));
/** A month name alone: letters and an optional abbreviation dot. */
const MONTH_NAME = '^[A-Za-z]+\\.?$';
const YEAR_ONLY = '^[0-9]{4}$';
const NUMBER_ONLY = '^[0-9]{1,2}$';

const daysInMonth = (y: number, m: number) => (m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);
const pad2 = (n: number) => String(n).padStart(2, '0');

interface FullDate {
  y: number;
  m: number;
  d: number;
}

/** The reference parser: a full date or why not. */
export function parseDateOfBirth(text: string, ctx: RuleContext): FullDate | InvalidReason {
  const match = DATE_RE.exec(text);
  if (!match) return 'invalid_date';
  const pick = (groups: number[]) => Number(groups.map((g) => match[g]).find((v) => v !== undefined));
  const y = pick(YEAR_GROUPS);
  const p = pick(FIRST_GROUPS);
  const q = pick(SECOND_GROUPS);
  let m = p;
  let d = q;
  if (match[AMBIGUOUS_GROUP] !== undefined) {
    if (p === 0 || q === 0 || (p > 12 && q > 12)) return 'invalid_date';
    if (p > 12) [d, m] = [p, q];
    else if (q > 12 || p === q || ctx.dateFormat === 'MDY') [m, d] = [p, q];
    else if (ctx.dateFormat === 'DMY') [d, m] = [p, q];
    else return 'ambiguous_date';
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return 'invalid_date';
  if (y < MIN_YEAR || y > currentYear(ctx)) return 'date_out_of_range';
  return { y, m, d };
}

type DobPart = 'full' | 'year' | 'month' | 'day';

function normalizeDob(part: DobPart, raw: string | null | undefined, ctx: RuleContext): Outcome {
  const pre = precheck(raw);
  if ('outcome' in pre) return pre.outcome;
  const t = pre.trimmed;
  if (part === 'year' && new RegExp(YEAR_ONLY).test(t)) {
    const y = Number(t);
    return y < MIN_YEAR || y > currentYear(ctx) ? invalid('date_out_of_range') : valid(t);
  }
  if ((part === 'month' || part === 'day') && new RegExp(NUMBER_ONLY).test(t)) {
    const n = Number(t);
    return n >= 1 && n <= (part === 'month' ? 12 : 31) ? valid(pad2(n)) : invalid('invalid_date');
  }
  if (part === 'month' && new RegExp(MONTH_NAME).test(t)) {
    const key = t.replace('.', '').toLowerCase();
    const index = key === 'sept' ? 8 : MONTHS.includes(key) ? MONTHS.indexOf(key) : MONTH_ABBREVIATIONS.indexOf(key);
    return index >= 0 ? valid(pad2(index + 1)) : invalid('invalid_date');
  }
  const date = parseDateOfBirth(t, ctx);
  if (typeof date === 'string') return invalid(date);
  switch (part) {
    case 'full':
      return valid(`${date.y}${pad2(date.m)}${pad2(date.d)}`);
    case 'year':
      return valid(String(date.y));
    case 'month':
      return valid(pad2(date.m));
    case 'day':
      return valid(pad2(date.d));
  }
}

function dobSql(part: DobPart, input: string, env: SqlEnv): SqlFragment {
  const r = env.ref;
  const fmt: DateFormat | undefined = env.ctx.dateFormat;
  const groups = Array.from({ length: 12 }, (_, i) => `g${i + 1}`);
  const pick = (idx: number[]) => `TRY_CAST(coalesce(${idx.map((i) => `nullif(${r('g')}.g${i}, '')`).join(', ')}) AS INTEGER)`;
  const [p, q, y, amb] = [r('p'), r('q'), r('y'), r('amb')];
  // Unresolved pairs stay NULL and are reported as ambiguous below.
  const fallbackMonth = fmt === 'MDY' ? `ELSE ${p}` : fmt === 'DMY' ? `ELSE ${q}` : '';
  const fallbackDay = fmt === 'MDY' ? `ELSE ${q}` : fmt === 'DMY' ? `ELSE ${p}` : '';
  const pad = (x: string) => `lpad(${x}::VARCHAR, 2, '0')`;
  const [month, day] = [r('month'), r('day')];
  const dim = `CASE WHEN ${month} = 2 THEN CASE WHEN (${y} % 4 = 0 AND ${y} % 100 <> 0) OR ${y} % 400 = 0 THEN 29 ELSE 28 END WHEN ${month} IN (4, 6, 9, 11) THEN 30 ELSE 31 END`;
  const fullReason = `CASE
    WHEN ${y} IS NULL THEN 'invalid_date'
    WHEN ${amb} AND (${p} = 0 OR ${q} = 0 OR (${p} > 12 AND ${q} > 12)) THEN 'invalid_date'
    WHEN ${month} IS NULL THEN 'ambiguous_date'
    WHEN ${month} < 1 OR ${month} > 12 OR ${day} < 1 OR ${day} > ${dim} THEN 'invalid_date'
    WHEN ${y} < ${MIN_YEAR} OR ${y} > ${currentYear(env.ctx)} THEN 'date_out_of_range' END`;
  const t = r('trimmed');
  const monthKey = `lower(replace(${t}, '.', ''))`;
  const monthIndex = `coalesce(nullif(list_position(${sqlList(MONTHS)}, ${monthKey}), 0), nullif(list_position(${sqlList(MONTH_ABBREVIATIONS)}, ${monthKey}), 0), CASE WHEN ${monthKey} = 'sept' THEN 9 END)`;

  let value: string;
  let reason: string;
  switch (part) {
    case 'full':
      value = `${y}::VARCHAR || ${pad(month)} || ${pad(day)}`;
      reason = fullReason;
      break;
    case 'year':
      value = `CASE WHEN regexp_matches(${t}, '${YEAR_ONLY}') THEN ${t} ELSE ${y}::VARCHAR END`;
      reason = `CASE WHEN regexp_matches(${t}, '${YEAR_ONLY}') THEN CASE WHEN TRY_CAST(${t} AS INTEGER) < ${MIN_YEAR} OR TRY_CAST(${t} AS INTEGER) > ${currentYear(env.ctx)} THEN 'date_out_of_range' END ELSE ${fullReason} END`;
      break;
    case 'month':
      value = `CASE WHEN regexp_matches(${t}, '${NUMBER_ONLY}') THEN ${pad(`TRY_CAST(${t} AS INTEGER)`)} WHEN regexp_matches(${t}, '${MONTH_NAME}') THEN ${pad(monthIndex)} ELSE ${pad(month)} END`;
      reason = `CASE
        WHEN regexp_matches(${t}, '${NUMBER_ONLY}') THEN CASE WHEN TRY_CAST(${t} AS INTEGER) NOT BETWEEN 1 AND 12 THEN 'invalid_date' END
        WHEN regexp_matches(${t}, '${MONTH_NAME}') THEN CASE WHEN ${monthIndex} IS NULL THEN 'invalid_date' END
        ELSE ${fullReason} END`;
      break;
    case 'day':
      value = `CASE WHEN regexp_matches(${t}, '${NUMBER_ONLY}') THEN ${pad(`TRY_CAST(${t} AS INTEGER)`)} ELSE ${pad(day)} END`;
      reason = `CASE WHEN regexp_matches(${t}, '${NUMBER_ONLY}') THEN CASE WHEN TRY_CAST(${t} AS INTEGER) NOT BETWEEN 1 AND 31 THEN 'invalid_date' END ELSE ${fullReason} END`;
      break;
  }
  return {
    prepare: { trimmed: sqlTrim(input) },
    prepareMore: [
      { g: `regexp_extract(${t}, '${DATE_PATTERN}', ${sqlList(groups)})` },
      { y: pick(YEAR_GROUPS), p: pick(FIRST_GROUPS), q: pick(SECOND_GROUPS), amb: `coalesce(${r('g')}.g${AMBIGUOUS_GROUP} <> '', false)` },
      {
        month: `CASE WHEN NOT ${amb} THEN ${p} WHEN ${p} > 12 THEN ${q} WHEN ${q} > 12 OR ${p} = ${q} THEN ${p} ${fallbackMonth} END`,
        day: `CASE WHEN NOT ${amb} THEN ${q} WHEN ${p} > 12 THEN ${p} WHEN ${q} > 12 OR ${p} = ${q} THEN ${q} ${fallbackDay} END`,
      },
    ],
    value,
    reason: `coalesce(${sqlPrecheckReason(t)}, ${reason})`,
  };
}

function makeDobRule(name: string, part: DobPart): NormalizationRule {
  return {
    name,
    normalize: (raw, ctx) => normalizeDob(part, raw, ctx),
    sql: (input, env) => dobSql(part, input, env),
  };
}

/** A full date of birth → YYYYMMDD (Meta's profile slices DOBY, DOBM and DOBD from it). */
export const dobRule = makeDobRule('dob', 'full');
/** DOBY: a four-digit year, or the year of a full date. */
export const dobYearRule = makeDobRule('dob_year', 'year');
/** DOBM: 1-12 ("3", "03"), an English month name or abbreviation, or the month of a full date → two digits. */
export const dobMonthRule = makeDobRule('dob_month', 'month');
/** DOBD: 1-31, or the day of a full date → two digits. */
export const dobDayRule = makeDobRule('dob_day', 'day');
