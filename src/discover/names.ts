import type { IdentifierType } from '../identifiers/catalog.js';

/** What a column's name says about its content. */
export interface NameHint {
  type: IdentifierType;
  /** 0..1: how sure the name alone makes us. */
  score: number;
  /** The name says the values are hashed (`hashed_email`, `email_sha256`). */
  prehashed: boolean;
}

/** Names as `_`-joined lower-case tokens, with digits trimmed off word ends (`Email2` → `email`). */
const SYNONYMS: Record<IdentifierType, string[]> = {
  EMAIL: ['email', 'e_mail', 'mail', 'email_address', 'emailaddress', 'mail_address', 'email_addr'],
  PHONE: ['phone', 'phone_number', 'phonenumber', 'phone_no', 'phone_num', 'mobile', 'mobile_number', 'mobile_phone', 'cell', 'cell_phone', 'cellphone', 'msisdn', 'tel', 'telephone', 'telephone_number'],
  FN: ['first_name', 'firstname', 'fname', 'f_name', 'given_name', 'givenname', 'forename', 'first'],
  LN: ['last_name', 'lastname', 'lname', 'l_name', 'surname', 'family_name', 'familyname', 'last'],
  FI: ['first_initial', 'initial'],
  ZIP: ['zip', 'zipcode', 'zip_code', 'postal_code', 'postalcode', 'postcode', 'post_code', 'postal', 'plz'],
  CT: ['city', 'town', 'locality', 'city_name'],
  ST: ['state', 'region', 'province', 'state_code', 'state_province', 'county_state'],
  COUNTRY: ['country', 'country_code', 'countrycode', 'ctry', 'cntry', 'country_name', 'nation', 'country_iso'],
  DOB: ['dob', 'birth_date', 'birthdate', 'date_of_birth', 'birthday', 'bday', 'birth_dt'],
  DOBY: ['birth_year', 'year_of_birth', 'yob'],
  DOBM: ['birth_month', 'month_of_birth'],
  DOBD: ['birth_day', 'day_of_birth'],
  GEN: ['gender', 'sex'],
  IDFA: ['idfa', 'ios_ad_id', 'ios_idfa', 'apple_ad_id', 'apple_idfa', 'ios_advertising_id'],
  GAID: ['gaid', 'aaid', 'adid', 'google_ad_id', 'android_ad_id', 'android_advertising_id', 'google_advertising_id', 'android_id'],
  MAID: ['maid', 'madid', 'mobile_ad_id', 'mobile_advertising_id', 'device_id', 'deviceid', 'advertising_id', 'ad_id', 'mobile_id', 'ifa'],
  EXTERN_ID: ['external_id', 'externalid', 'extern_id', 'ext_id', 'customer_id', 'customerid', 'user_id', 'userid', 'client_id', 'member_id', 'crm_id', 'account_id', 'uid', 'person_id', 'contact_id', 'customer_number', 'loyalty_id'],
};

/** Abbreviations that mean something only as the whole name (`st` inside `first_st...` means nothing). */
const EXACT_ONLY: Partial<Record<string, IdentifierType>> = {
  em: 'EMAIL',
  ph: 'PHONE',
  fn: 'FN',
  ln: 'LN',
  fi: 'FI',
  zp: 'ZIP',
  ct: 'CT',
  st: 'ST',
  db: 'DOB',
  doby: 'DOBY',
  dobm: 'DOBM',
  dobd: 'DOBD',
  ge: 'GEN',
  gen: 'GEN',
};

const HASH_TOKENS = new Set(['sha256', 'sha', '256', 'sha2', 'hash', 'hashed', 'hsh', 'md5', 'digest']);
/** Qualifiers that do not change what a column holds (`customer_email`, `primary_phone`). */
const NOISE_TOKENS = new Set(['customer', 'cust', 'user', 'client', 'contact', 'primary', 'main', 'home', 'work', 'personal', 'billing', 'shipping', 'member', 'person', 'raw', 'normalized', 'normalised', 'clean', 'value', 'the', 'my']);

/** `firstName`, `First Name`, `EMAIL-SHA256` → `first_name`, `first_name`, `email_sha256`. */
export function normalizeColumnName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const lookup = new Map<string, IdentifierType>();
for (const [type, names] of Object.entries(SYNONYMS) as [IdentifierType, string[]][]) for (const n of names) lookup.set(n, type);

/** Finds a synonym as a run of whole tokens; prefers the run ending last (the head noun: `phone_country`). */
function containedMatch(tokens: readonly string[]): IdentifierType | undefined {
  for (let end = tokens.length; end > 0; end--) {
    for (let start = 0; start < end; start++) {
      const type = lookup.get(tokens.slice(start, end).join('_'));
      if (type) return type;
    }
  }
  return undefined;
}

/**
 * What the name suggests. Whole-name synonyms score 0.9, after dropping qualifiers (`customer_email`) 0.85,
 * a synonym inside a longer name (`email_domain`) 0.6 — content decides those. `id` alone is an external id
 * at 0.5.
 */
export function nameHint(name: string): NameHint | undefined {
  const normalized = normalizeColumnName(name);
  const rawTokens = normalized.split('_').filter(Boolean);
  const prehashed = rawTokens.some((t) => HASH_TOKENS.has(t)) || /sha256|md5/.test(normalized);
  // Hash markers and numbering (`email_1`, `phone2`) say nothing about the identifier.
  const tokens = rawTokens
    .filter((t) => !HASH_TOKENS.has(t) && !/^\d+$/.test(t))
    .map((t) => t.replace(/^(sha256|md5|hashed|hash)(?=[a-z])/, '').replace(/(?<=[a-z])(sha256|md5|hashed|hash)$/, '').replace(/\d+$/, ''))
    .filter(Boolean);
  if (tokens.length === 0) return undefined;
  const joined = tokens.join('_');

  const exactOnly = EXACT_ONLY[joined];
  if (exactOnly) return { type: exactOnly, score: 0.8, prehashed };
  const exact = lookup.get(joined);
  if (exact) return { type: exact, score: 0.9, prehashed };
  const core = tokens.filter((t) => !NOISE_TOKENS.has(t));
  const qualified = core.length > 0 ? lookup.get(core.join('_')) : undefined;
  if (qualified) return { type: qualified, score: 0.85, prehashed };
  if (joined === 'id' || (core.length === 1 && core[0] === 'id')) return { type: 'EXTERN_ID', score: 0.5, prehashed };
  const contained = containedMatch(tokens);
  if (contained) return { type: contained, score: 0.6, prehashed };
  return undefined;
}
