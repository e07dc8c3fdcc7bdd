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

/** SQL of the same algorithm; `plus` prefixes the value with '+'. */
function phoneSql(input: string, env: SqlEnv, plus: boolean): SqlFragment {
  const r = env.ref;
  const p = env.alias('plan');
  const sqlFits = (x: string) =>
    `(list_contains(${r('lengths')}, length(${x})) OR (${r('np')} <> '' AND starts_with(${x}, ${r('np')}) AND list_contains(${r('lengths')}, length(${x}) - length(${r('np')}))))`;
  const rest = `substr(${r('body')}, length(${r('cc')}) + 1)`;
  const n = `length(${r('national')})`;
  return {
    prepare: { trimmed: sqlTrim(input) },
    prepareMore: [
      { compact: `regexp_replace(${r('trimmed')}, '${SQL_SEPARATORS}', '', 'g')` },
      {
        chars_ok: `regexp_full_match(${r('compact')}, '\\+?[0-9]*')`,
        digits: `CASE WHEN starts_with(${r('compact')}, '+') THEN substr(${r('compact')}, 2) ELSE ${r('compact')} END`,
        intl: `CASE WHEN starts_with(${r('compact')}, '+') THEN substr(${r('compact')}, 2) WHEN starts_with(${r('compact')}, '00') THEN substr(${r('compact')}, 3) END`,
      },
    ],
    // International numbers find their plan by calling code, national ones by the row's country.
    joins: [`LEFT JOIN au_phone_plan AS ${p} ON ${p}.key = coalesce('+' || substr(${r('intl')}, 1, 3), ${env.rowCountry})`],
    derive: [
      {
        cc: `${p}.calling_code`,
        np: `${p}.national_prefix`,
        lengths: `${p}.lengths`,
        min_len: `${p}.min_len`,
        max_len: `${p}.max_len`,
        body: `CASE WHEN ${r('intl')} IS NOT NULL THEN substr(${r('intl')}, length(${p}.calling_code) + 1) ELSE ${r('digits')} END`,
      },
      {
        cc_stripped: `CASE WHEN ${r('intl')} IS NULL AND starts_with(${r('body')}, ${r('cc')}) AND NOT ${sqlFits(r('body'))} AND ${sqlFits(rest)} THEN ${rest} ELSE ${r('body')} END`,
      },
      {
        national: `CASE WHEN ${r('np')} <> '' AND starts_with(${r('cc_stripped')}, ${r('np')}) AND list_contains(${r('lengths')}, length(${r('cc_stripped')}) - length(${r('np')})) THEN substr(${r('cc_stripped')}, length(${r('np')}) + 1) ELSE ${r('cc_stripped')} END`,
      },
    ],
    value: `${plus ? `'+' || ` : ''}${r('cc')} || ${r('national')}`,
    reason: `coalesce(${sqlPrecheckReason(r('trimmed'))}, CASE
      WHEN NOT ${r('chars_ok')} THEN 'invalid_phone_characters'
      WHEN ${r('digits')} = '' THEN 'phone_too_short'
      WHEN ${r('cc')} IS NULL THEN CASE WHEN ${r('intl')} IS NOT NULL THEN 'unknown_country_code' WHEN ${env.rowCountry} IS NULL THEN 'missing_country' ELSE 'unknown_country' END
      WHEN NOT list_contains(${r('lengths')}, ${n}) THEN CASE WHEN ${n} < ${r('min_len')} THEN 'phone_too_short' WHEN ${n} > ${r('max_len')} THEN 'phone_too_long' ELSE 'phone_invalid_length' END
      WHEN length(${r('cc')}) + ${n} < ${E164_MIN} THEN 'phone_too_short'
      WHEN length(${r('cc')}) + ${n} > ${E164_MAX} THEN 'phone_too_long'
    END)`,
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
