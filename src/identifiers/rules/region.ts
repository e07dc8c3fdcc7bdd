import countries from 'i18n-iso-countries';
import { invalid, valid, type NormalizationRule, type RowContext, type RuleContext, type SqlFragment } from '../rule.js';
import {
  WHITESPACE_CHARS,
  asciiKey,
  keepClasses,
  lowerLikeSql,
  precheck,
  sqlAsciiKey,
  sqlKeepClasses,
  sqlList,
  sqlLower,
  sqlPrecheckReason,
  sqlTrim,
} from './common.js';

const rowCountryOf = (ctx: RuleContext, row?: RowContext): string | undefined => row?.country ?? ctx.defaultCountry?.toUpperCase();

/* ---------------------------------------------------------------- COUNTRY ---------------------------------------- */

// In Node, i18n-iso-countries registers every language it ships.
/**
 * Aliases the library does not carry. Kept short: the library provides ISO names, their usual English variants
 * and six other languages' names.
 */
const EXTRA_COUNTRY_ALIASES: Record<string, readonly string[]> = {
  GB: ['England', 'Scotland', 'Wales', 'Northern Ireland', 'Britain', 'U.K.', 'United Kingdom of Great Britain and Northern Ireland'],
  US: ['America', 'The United States', 'United States of America (USA)'],
  NL: ['Holland'],
  AE: ['UAE', 'Emirates'],
  SA: ['KSA'],
  CD: ['DRC', 'DR Congo', 'Congo-Kinshasa'],
  CG: ['Congo-Brazzaville'],
  KR: ['Korea'],
  MM: ['Burma'],
  SZ: ['Swaziland'],
  MK: ['Macedonia'],
  VA: ['Vatican', 'Vatican City'],
  LA: ['Laos'],
  SY: ['Syria'],
  TL: ['East Timor'],
  VG: ['British Virgin Islands'],
  VI: ['US Virgin Islands', 'U.S. Virgin Islands'],
  CV: ['Cape Verde'],
};

/**
 * Lookup key → alpha-2, in tiers: alpha-2 codes, alpha-3 codes, English names, our aliases, then names derived
 * from English ones ("Moldova, Republic of" → "Moldova"; "Holy See (Vatican City State)" → "Holy See") and the
 * other languages. A key claimed by a higher tier stays there; a key that two countries claim within one tier
 * (e.g. "Congo") is dropped.
 */
function buildCountryKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  const addTier = (entries: [string, string][]) => {
    const tier = new Map<string, string | null>();
    for (const [name, alpha2] of entries) {
      const key = asciiKey(name);
      if (key.length < 2 || keys.has(key)) continue;
      const seen = tier.get(key);
      tier.set(key, seen === undefined || seen === alpha2 ? alpha2 : null);
    }
    for (const [key, alpha2] of tier) if (alpha2) keys.set(key, alpha2);
  };
  const alpha2s = Object.keys(countries.getAlpha2Codes());
  const namesOf = (lang: string) => countries.getNames(lang, { select: 'all' });
  const english = namesOf('en');
  addTier(alpha2s.map((a) => [a, a]));
  addTier(Object.entries(countries.getAlpha3Codes()).map(([a3, a2]) => [a3, a2]));
  addTier(Object.entries(english).flatMap(([a2, names]) => names.map((n): [string, string] => [n, a2])));
  addTier(Object.entries(EXTRA_COUNTRY_ALIASES).flatMap(([a2, names]) => names.map((n): [string, string] => [n, a2])));
  const derived = Object.entries(english).flatMap(([a2, names]) =>
    names.flatMap((n): [string, string][] => [
      [n.replace(/\s*\(.*\)\s*/g, ' '), a2],
      [n.split(',')[0]!, a2],
    ]),
  );
  const others = ['de', 'fr', 'es', 'it', 'pt', 'nl'].flatMap((lang) =>
    Object.entries(namesOf(lang)).flatMap(([a2, names]) => names.map((n): [string, string] => [n, a2])),
  );
  addTier([...derived, ...others]);
  return keys;
}

/** Lookup key (see `asciiKey`) → ISO 3166-1 alpha-2, upper-case. */
export const COUNTRY_KEYS: ReadonlyMap<string, string> = buildCountryKeys();

/** Meta COUNTRY: ISO 3166-1 alpha-2, lower-case, from codes or names ("United States" → "us", never "unitedstates"). */
export const countryRule: NormalizationRule = {
  name: 'country',
  normalize(raw) {
    const pre = precheck(raw);
    if ('outcome' in pre) return pre.outcome;
    const alpha2 = COUNTRY_KEYS.get(asciiKey(pre.trimmed));
    return alpha2 ? valid(alpha2.toLowerCase()) : invalid('unknown_country');
  },
  sql(input, env): SqlFragment {
    const c = env.alias('country');
    return {
      prepare: { trimmed: sqlTrim(input) },
      prepareMore: [{ key: sqlAsciiKey(env.ref('trimmed')) }],
      joins: [`LEFT JOIN au_country_name AS ${c} ON ${c}.key = ${env.ref('key')}`],
      value: `lower(${c}.alpha2)`,
      reason: `coalesce(${sqlPrecheckReason(env.ref('trimmed'))}, CASE WHEN ${c}.alpha2 IS NULL THEN 'unknown_country' END)`,
    };
  },
  lookups: ['au_country_name'],
};

/* ---------------------------------------------------------------- STATE ------------------------------------------ */

/** US states, DC, territories and military "states": USPS codes and names. */
const US_STATES: Record<string, readonly string[]> = {
  AL: ['Alabama'], AK: ['Alaska'], AZ: ['Arizona'], AR: ['Arkansas'], CA: ['California'], CO: ['Colorado'],
  CT: ['Connecticut'], DE: ['Delaware'], FL: ['Florida'], GA: ['Georgia'], HI: ['Hawaii'], ID: ['Idaho'],
  IL: ['Illinois'], IN: ['Indiana'], IA: ['Iowa'], KS: ['Kansas'], KY: ['Kentucky'], LA: ['Louisiana'],
  ME: ['Maine'], MD: ['Maryland'], MA: ['Massachusetts'], MI: ['Michigan'], MN: ['Minnesota'], MS: ['Mississippi'],
  MO: ['Missouri'], MT: ['Montana'], NE: ['Nebraska'], NV: ['Nevada'], NH: ['New Hampshire'], NJ: ['New Jersey'],
  NM: ['New Mexico'], NY: ['New York', 'New York State'], NC: ['North Carolina'], ND: ['North Dakota'], OH: ['Ohio'],
  OK: ['Oklahoma'], OR: ['Oregon'], PA: ['Pennsylvania'], RI: ['Rhode Island'], SC: ['South Carolina'],
  SD: ['South Dakota'], TN: ['Tennessee'], TX: ['Texas'], UT: ['Utah'], VT: ['Vermont'], VA: ['Virginia'],
  WA: ['Washington', 'Washington State'], WV: ['West Virginia'], WI: ['Wisconsin'], WY: ['Wyoming'],
  DC: ['District of Columbia', 'Washington DC', 'Washington D.C.'],
  PR: ['Puerto Rico'], GU: ['Guam'], VI: ['U.S. Virgin Islands', 'US Virgin Islands', 'Virgin Islands'],
  AS: ['American Samoa'], MP: ['Northern Mariana Islands'], UM: ['United States Minor Outlying Islands'],
  AA: ['Armed Forces Americas'], AE: ['Armed Forces Europe'], AP: ['Armed Forces Pacific'],
};

/** Lookup key → USPS code, upper-case. */
export const US_STATE_KEYS: ReadonlyMap<string, string> = new Map(
  Object.entries(US_STATES).flatMap(([code, names]) => [code, ...names].map((n): [string, string] => [asciiKey(n), code])),
);

/** Outside the US: letters (any script) and digits, lower-case, NFC. */
function regionText(trimmed: string): string {
  return lowerLikeSql(keepClasses(trimmed, ['L', 'M', 'N'])).normalize('NFC');
}
const HAS_LETTER_OR_DIGIT = '[\\p{L}\\p{N}]';

/**
 * Meta ST. In the US (the row's country, else the default), a state name or code → the USPS code lower-case
 * ("New York" → "ny", never "newyork"), anything else is invalid. With no country known, a US state name or
 * code still maps to its code. Elsewhere: lower-case, spaces and punctuation removed.
 */
export const stateRule: NormalizationRule = {
  name: 'state',
  normalize(raw, ctx, row) {
    const pre = precheck(raw);
    if ('outcome' in pre) return pre.outcome;
    const country = rowCountryOf(ctx, row);
    const code = US_STATE_KEYS.get(asciiKey(pre.trimmed));
    if (country === 'US' || (!country && code)) return code ? valid(code.toLowerCase()) : invalid('invalid_state');
    const text = regionText(pre.trimmed);
    return new RegExp(HAS_LETTER_OR_DIGIT, 'u').test(text) ? valid(text) : invalid('invalid_state');
  },
  sql(input, env): SqlFragment {
    const s = env.alias('state');
    const r = env.ref;
    const usPath = `(${env.rowCountry} = 'US' OR (${env.rowCountry} IS NULL AND ${s}.code IS NOT NULL))`;
    return {
      prepare: { trimmed: sqlTrim(input) },
      // Separate layers: sqlLower uses its argument three times, and the removal should run once.
      prepareMore: [
        { key: sqlAsciiKey(r('trimmed')), kept: sqlKeepClasses(r('trimmed'), ['L', 'M', 'N']) },
        { text: `nfc_normalize(${sqlLower(r('kept'))})` },
      ],
      joins: [`LEFT JOIN au_us_state AS ${s} ON ${s}.key = ${r('key')}`],
      value: `CASE WHEN ${usPath} THEN lower(${s}.code) ELSE ${r('text')} END`,
      reason: `coalesce(${sqlPrecheckReason(r('trimmed'))}, CASE
        WHEN ${usPath} THEN CASE WHEN ${s}.code IS NULL THEN 'invalid_state' END
        WHEN NOT regexp_matches(${r('text')}, '${HAS_LETTER_OR_DIGIT}') THEN 'invalid_state' END)`,
    };
  },
  lookups: ['au_us_state'],
};

/* ---------------------------------------------------------------- ZIP -------------------------------------------- */

/** Countries and territories that use US ZIP codes. */
const US_ZIP_COUNTRIES = ['US', 'PR', 'VI', 'GU', 'AS', 'MP', 'UM'] as const;
/** The UK and the Crown dependencies share the UK postcode format. */
const GB_POSTCODE_COUNTRIES = ['GB', 'GG', 'JE', 'IM'] as const;
const US_ZIP = '^[0-9]{5}(?:[0-9]{4})?$';
/** A full UK postcode or its outward code alone ("M1 1AE", "SW1A 1AA", "M1"). */
const GB_POSTCODE = '^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?(?:[0-9][A-Za-z]{2})?$';
const OTHER_POSTCODE = '^[A-Za-z0-9]{2,10}$';
const ZIP_SEPARATORS = /[\s-]/g;
const SQL_ZIP_SEPARATORS = `[${WHITESPACE_CHARS}-]`;

/**
 * Meta ZIP: lower-case, no spaces or dashes. US (and US territories): the first 5 digits of a ZIP or ZIP+4, which
 * must have 5 or 9 digits. UK: "M1 1AE" → "m11ae". Elsewhere: 2 to 10 letters or digits. The pattern is checked
 * before lower-casing, so only ASCII passes (lower-casing 'K', the Kelvin sign, would otherwise make a 'k').
 */
export const zipRule: NormalizationRule = {
  name: 'zip',
  normalize(raw, ctx, row) {
    const pre = precheck(raw);
    if ('outcome' in pre) return pre.outcome;
    const compact = pre.trimmed.replace(ZIP_SEPARATORS, '');
    const country = rowCountryOf(ctx, row) ?? '';
    if ((US_ZIP_COUNTRIES as readonly string[]).includes(country)) {
      return new RegExp(US_ZIP).test(compact) ? valid(compact.slice(0, 5)) : invalid('invalid_zip');
    }
    const pattern = (GB_POSTCODE_COUNTRIES as readonly string[]).includes(country) ? GB_POSTCODE : OTHER_POSTCODE;
    return new RegExp(pattern).test(compact) ? valid(compact.toLowerCase()) : invalid('invalid_zip');
  },
  sql(input, env): SqlFragment {
    const r = env.ref;
    const isUs = `${env.rowCountry} IN (${sqlList(US_ZIP_COUNTRIES).slice(1, -1)})`;
    const isGb = `${env.rowCountry} IN (${sqlList(GB_POSTCODE_COUNTRIES).slice(1, -1)})`;
    return {
      prepare: { trimmed: sqlTrim(input) },
      prepareMore: [{ compact: `regexp_replace(${r('trimmed')}, '${SQL_ZIP_SEPARATORS}', '', 'g')` }],
      value: `CASE WHEN ${isUs} THEN substr(${r('compact')}, 1, 5) ELSE lower(${r('compact')}) END`,
      reason: `coalesce(${sqlPrecheckReason(r('trimmed'))}, CASE
        WHEN ${isUs} THEN CASE WHEN NOT regexp_matches(${r('compact')}, '${US_ZIP}') THEN 'invalid_zip' END
        WHEN ${isGb} THEN CASE WHEN NOT regexp_matches(${r('compact')}, '${GB_POSTCODE}') THEN 'invalid_zip' END
        WHEN NOT regexp_matches(${r('compact')}, '${OTHER_POSTCODE}') THEN 'invalid_zip' END)`,
    };
  },
};
