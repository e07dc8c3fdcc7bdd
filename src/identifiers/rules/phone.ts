import metadata from 'libphonenumber-js/metadata.min.json';
import { Metadata, getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/core';
import { invalid, valid, type InvalidReason, type NormalizationRule, type Outcome, type RowContext, type RuleContext, type SqlEnv, type SqlFragment } from '../rule.js';
import { WHITESPACE_CHARS, precheck, sqlPrecheckReason, sqlTrim } from './common.js';

/*
 * Phone numbers to E.164, from libphonenumber-js metadata only (calling codes, national (trunk) prefixes,
 * possible lengths of national numbers). The same algorithm runs in TypeScript and, through one lookup table
 * joined once per row, in DuckDB SQL:
 * 1. trim; allowed characters are ASCII digits, whitespace and + - ( ) . / ; a '+' only in front ("(+44)" is
 *    fine); other digits (full-width, Arabic-Indic), letters and extensions ("x12", "ext.") make it invalid;
 * 2. international when it starts with '+' or '00': the calling code is the 1-3 digit prefix found in the
 *    metadata (calling codes are prefix-free), its plan the union of the lengths of the countries sharing it;
 * 3. otherwise national, in the row's country (COUNTRY column, else the default country). Digits that already
 *    start with that country's calling code count as international when that is the only way the length fits
 *    (numbers from numeric columns, TikTok's "374-93-828222" with country AM);
 * 4. the national prefix ('0' in GB, '8' in RU) is removed when the number starts with it and the length without
 *    it is possible (also after a calling code: "+44 (0)20 ..." is common);
 * 5. the national number's length must be possible for the plan, and the whole E.164 number 8 to 15 digits.
 */

/** The numbering facts one number is checked against. */
export interface PhonePlan {
  callingCode: string;
  /** '' when the plan has none. */
  nationalPrefix: string;
  lengths: readonly number[];
}

interface PlanInternals {
  callingCode(): string;
  nationalPrefix(): unknown;
  possibleLengths(): number[];
}

const META = new Metadata(metadata);

function selectPlan(selector: string): PlanInternals {
  // selectNumberingPlan takes a country or a calling code; the typings only name the country form. Each call
  // makes a new plan object, so earlier results stay valid.
  META.selectNumberingPlan(selector as CountryCode);
  // nationalPrefix() and callingCode() exist on the numbering plan but are missing from the typings.
  return META.numberingPlan as unknown as PlanInternals;
}

const prefixOf = (plan: PlanInternals): string => {
  const prefix = plan.nationalPrefix();
  // Minified metadata fills absent fields with 0.
  return typeof prefix === 'string' ? prefix : '';
};

function buildCountryPlans(): Map<string, PhonePlan> {
  const plans = new Map<string, PhonePlan>();
  for (const country of getCountries(metadata)) {
    const plan = selectPlan(country);
    plans.set(country, { callingCode: getCountryCallingCode(country, metadata), nationalPrefix: prefixOf(plan), lengths: [...plan.possibleLengths()].sort((a, b) => a - b) });
  }
  return plans;
}

/** Per calling code: the main country's national prefix, and the lengths of every country sharing the code. */
function buildCallingCodePlans(countries: ReadonlyMap<string, PhonePlan>): Map<string, PhonePlan> {
  const codes = new Set([...Object.keys(metadata.country_calling_codes), ...Object.keys(metadata.nonGeographic)]);
  const plans = new Map<string, PhonePlan>();
  for (const code of codes) {
    const main = selectPlan(code);
    const lengths = new Set(main.possibleLengths());
    for (const country of metadata.country_calling_codes[code] ?? []) {
      for (const n of countries.get(country)?.lengths ?? []) lengths.add(n);
    }
    plans.set(code, { callingCode: code, nationalPrefix: prefixOf(main), lengths: [...lengths].sort((a, b) => a - b) });
  }
  return plans;
}

export const COUNTRY_PHONE_PLANS: ReadonlyMap<string, PhonePlan> = buildCountryPlans();
export const CALLING_CODE_PLANS: ReadonlyMap<string, PhonePlan> = buildCallingCodePlans(COUNTRY_PHONE_PLANS);

/**
 * Rows of the `au_phone_plan` lookup table: one per country (key 'GB') and one per 1-3 digit string that starts
 * with a calling code (key '+4', '+44', '+447'), so SQL finds the calling code with a single equality join on
 * '+' || the first three digits, even for numbers shorter than three digits.
 */
export function phonePlanRows(): { key: string; plan: PhonePlan }[] {
  const rows: { key: string; plan: PhonePlan }[] = [...COUNTRY_PHONE_PLANS].map(([key, plan]) => ({ key, plan }));
  const digits = '0123456789';
  const strings = [...digits].flatMap((a) => [a, ...[...digits].flatMap((b) => [a + b, ...[...digits].map((c) => a + b + c)])]);
  for (const s of strings) {
    const plan = findCallingCode(s);
    if (plan) rows.push({ key: `+${s}`, plan });
  }
  return rows;
}

function findCallingCode(digits: string): PhonePlan | undefined {
  for (let n = 1; n <= 3 && n <= digits.length; n++) {
    const plan = CALLING_CODE_PLANS.get(digits.slice(0, n));
    if (plan) return plan;
  }
  return undefined;
}

const E164_MIN = 8;
const E164_MAX = 15;

const possible = (plan: PhonePlan, n: number) => plan.lengths.includes(n);
const hasPrefix = (plan: PhonePlan, digits: string) => plan.nationalPrefix !== '' && digits.startsWith(plan.nationalPrefix);
/** Possible as is, or once the national prefix is removed. */
const fits = (plan: PhonePlan, digits: string) =>
  possible(plan, digits.length) || (hasPrefix(plan, digits) && possible(plan, digits.length - plan.nationalPrefix.length));

function lengthReason(plan: PhonePlan, national: string): InvalidReason | undefined {
  const n = national.length;
  if (!possible(plan, n)) {
    if (n < plan.lengths[0]!) return 'phone_too_short';
    if (n > plan.lengths[plan.lengths.length - 1]!) return 'phone_too_long';
    return 'phone_invalid_length';
  }
  const total = plan.callingCode.length + n;
  if (total < E164_MIN) return 'phone_too_short';
  if (total > E164_MAX) return 'phone_too_long';
  return undefined;
}

/** Separators removed before anything else (JavaScript's \s is the Unicode whitespace WHITESPACE_CHARS spells for RE2). */
const SEPARATORS = /[\s\-()./]/g;
const SQL_SEPARATORS = `[${WHITESPACE_CHARS}\\-()./]`;
/*
 * SQL fast paths. A global regexp_replace() costs about as much per separator as a replace() per string, so the
 * common spellings remove their separators without it:
 * 1. digits and spaces after an optional '+' ("+1 555 987 6543", "020 7946 0958", numeric columns): replace();
 * 2. digits with ASCII separators and a '+' in front of the digits ("+1 (555) 987-6543", "555.987.6543"):
 *    translate() of the separators in ASCII_SEPARATORS.
 * Both remove exactly what SQL_SEPARATORS would remove from such a value, and leave an optional '+' and digits, so
 * the characters are fine. Anything else (other whitespace, letters, misplaced '+') takes the regular expressions.
 */
const SIMPLE_PHONE = '\\+?[0-9 ]+';
const ASCII_SEPARATORS = ' ()./-';
const ASCII_SEPARATED_PHONE = '[ ()./-]*\\+?[0-9 ()./-]*';

/** The E.164 digits (without '+') or the reason, shared by both variants. */
export function normalizePhoneDigits(raw: string | null | undefined, ctx: RuleContext, row?: RowContext): Outcome {
  const pre = precheck(raw);
  if ('outcome' in pre) return pre.outcome;
  const compact = pre.trimmed.replace(SEPARATORS, '');
  if (!/^\+?[0-9]*$/.test(compact)) return invalid('invalid_phone_characters');
  const digits = compact.startsWith('+') ? compact.slice(1) : compact;
  if (digits === '') return invalid('phone_too_short');

  let plan: PhonePlan | undefined;
  let national: string;
  const international = compact.startsWith('+') ? digits : digits.startsWith('00') ? digits.slice(2) : undefined;
  if (international !== undefined) {
    plan = findCallingCode(international);
    if (!plan) return invalid('unknown_country_code');
    national = international.slice(plan.callingCode.length);
  } else {
    const country = row?.country ?? ctx.defaultCountry?.toUpperCase();
    if (!country) return invalid('missing_country');
    plan = COUNTRY_PHONE_PLANS.get(country);
    if (!plan) return invalid('unknown_country');
    national = digits;
    const rest = national.slice(plan.callingCode.length);
    if (national.startsWith(plan.callingCode) && !fits(plan, national) && fits(plan, rest)) national = rest;
  }
  if (hasPrefix(plan, national) && possible(plan, national.length - plan.nationalPrefix.length)) {
    national = national.slice(plan.nationalPrefix.length);
  }
  const reason = lengthReason(plan, national);
  return reason ? invalid(reason) : valid(plan.callingCode + national);
}

/**
 * SQL of the same algorithm; `plus` prefixes the value with '+'. The national number is a suffix of the digits, so
 * the SQL tracks where it starts (an offset into the digits) rather than building each intermediate string.
 */
function phoneSql(input: string, env: SqlEnv, plus: boolean): SqlFragment {
  const r = env.ref;
  const p = env.alias('plan');
  const [digits, len, cc, np, c, k] = [r('digits'), r('len'), r('cc'), r('np'), r('c'), r('k')];
  const possible = (n: string) => `list_contains(${r('lengths')}, ${n})`;
  // fits() of the digits from `offset` on, given their length.
  const fitsFrom = (offset: string, n: string) =>
    `(${possible(n)} OR (${k} > 0 AND substr(${digits}, ${offset} + 1, ${k}) = ${np} AND ${possible(`${n} - ${k}`)}))`;
  // Length of the national number.
  const n = `(${len} - ${r('national_at')})`;
  // Digits (at least one) and an optional leading '+' once separators are removed: such a value is neither empty nor
  // a placeholder (none has a digit), so the precheck, and the trimming it needs, is skipped for it.
  const clean = `${r('chars_ok')} AND ${digits} <> ''`;
  return {
    // kind: 1 for fast path 1, 2 for fast path 2, 3 for the rest.
    prepare: {
      raw: input,
      kind: `CASE WHEN regexp_full_match(${input}, '${SIMPLE_PHONE}') THEN 1 WHEN regexp_full_match(${input}, '${ASCII_SEPARATED_PHONE}') THEN 2 ELSE 3 END`,
    },
    prepareMore: [
      // Separators include every whitespace character, so removing them from the untrimmed input gives the same.
      // The regular expression removes runs rather than single characters: each match has a cost.
      {
        compact: `CASE WHEN ${r('kind')} = 3 THEN regexp_replace(${r('raw')}, '${SQL_SEPARATORS}+', '', 'g') WHEN ${r('kind')} = 2 THEN translate(${r('raw')}, '${ASCII_SEPARATORS}', '') WHEN contains(${r('raw')}, ' ') THEN replace(${r('raw')}, ' ', '') ELSE ${r('raw')} END`,
      },
      {
        chars_ok: `CASE WHEN ${r('kind')} < 3 THEN true ELSE regexp_full_match(${r('compact')}, '\\+?[0-9]*') END`,
        digits: `CASE WHEN starts_with(${r('compact')}, '+') THEN substr(${r('compact')}, 2) ELSE ${r('compact')} END`,
        // International: where the calling code starts in the digits (after '+' or '00'); NULL for national numbers.
        intl_at: `CASE WHEN starts_with(${r('compact')}, '+') THEN 0 WHEN starts_with(${r('compact')}, '00') THEN 2 END`,
      },
      { trimmed: `CASE WHEN ${clean} THEN NULL ELSE ${sqlTrim(r('raw'))} END`, len: `length(${digits})` },
    ],
    // International numbers find their plan by calling code, national ones by the row's country.
    joins: [`LEFT JOIN au_phone_plan AS ${p} ON ${p}.key = coalesce('+' || substr(${digits}, ${r('intl_at')} + 1, 3), ${env.rowCountry})`],
    derive: [
      {
        cc: `${p}.calling_code`,
        np: `${p}.national_prefix`,
        c: `length(${p}.calling_code)`,
        k: `length(${p}.national_prefix)`,
        lengths: `${p}.lengths`,
        min_len: `${p}.min_len`,
        max_len: `${p}.max_len`,
        // Where the number after the calling code starts (an international number starts with its calling code).
        body_at: `CASE WHEN ${r('intl_at')} IS NULL THEN 0 ELSE ${r('intl_at')} + length(${p}.calling_code) END`,
      },
      {
        // A national number that already starts with the calling code, when only that reading fits.
        cc_stripped_at: `CASE WHEN ${r('intl_at')} IS NULL AND starts_with(${digits}, ${cc}) AND NOT ${fitsFrom('0', len)} AND ${fitsFrom(c, `${len} - ${c}`)} THEN ${c} ELSE ${r('body_at')} END`,
      },
      {
        national_at: `CASE WHEN ${k} > 0 AND substr(${digits}, ${r('cc_stripped_at')} + 1, ${k}) = ${np} AND ${possible(`${len} - ${r('cc_stripped_at')} - ${k}`)} THEN ${r('cc_stripped_at')} + ${k} ELSE ${r('cc_stripped_at')} END`,
      },
    ],
    // A '+' number without a national prefix to remove is its digits already.
    value: `${plus ? `'+' || ` : ''}CASE WHEN ${r('intl_at')} = 0 AND ${r('national_at')} = ${c} THEN ${digits} ELSE ${cc} || substr(${digits}, ${r('national_at')} + 1) END`,
    // Not clean: the precheck, bad characters or no digits; clean: the plan and length checks.
    reason: `CASE WHEN ${clean} THEN CASE
        WHEN ${cc} IS NULL THEN CASE WHEN ${r('intl_at')} IS NOT NULL THEN 'unknown_country_code' WHEN ${env.rowCountry} IS NULL THEN 'missing_country' ELSE 'unknown_country' END
        WHEN NOT ${possible(n)} THEN CASE WHEN ${n} < ${r('min_len')} THEN 'phone_too_short' WHEN ${n} > ${r('max_len')} THEN 'phone_too_long' ELSE 'phone_invalid_length' END
        WHEN ${c} + ${n} < ${E164_MIN} THEN 'phone_too_short'
        WHEN ${c} + ${n} > ${E164_MAX} THEN 'phone_too_long'
      END
      ELSE coalesce(${sqlPrecheckReason(r('trimmed'))}, CASE WHEN NOT ${r('chars_ok')} THEN 'invalid_phone_characters' WHEN ${digits} = '' THEN 'phone_too_short' END)
    END`,
  };
}

/** TikTok, Meta, Snap: E.164 digits without '+', e.g. 15559876543. */
export const phoneRule: NormalizationRule = {
  name: 'phone',
  normalize: normalizePhoneDigits,
  sql: (input, env) => phoneSql(input, env, false),
  lookups: ['au_phone_plan'],
};

/** Google Customer Match: E.164 with '+', e.g. +15559876543. */
export const phoneE164Rule: NormalizationRule = {
  name: 'phone_e164',
  normalize(raw, ctx, row) {
    const outcome = normalizePhoneDigits(raw, ctx, row);
    return outcome.ok ? valid(`+${outcome.value}`) : outcome;
  },
  sql: (input, env) => phoneSql(input, env, true),
  lookups: ['au_phone_plan'],
};
