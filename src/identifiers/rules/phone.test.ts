import metadata from 'libphonenumber-js/metadata.min.json';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { PHONE_ROW_COUNTRIES, Rng, messyRowCountries, messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, runRuleTs, type RuleCase } from '../../testing/rule-sql.js';
import { CALLING_CODE_PLANS, COUNTRY_PHONE_PLANS, phoneE164Rule, phonePlanRows, phoneRule } from './phone.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

describe('phone plans come from libphonenumber-js metadata', () => {
  it('has national prefixes and possible lengths per country', () => {
    expect(COUNTRY_PHONE_PLANS.get('GB')).toEqual({ callingCode: '44', nationalPrefix: '0', lengths: [7, 9, 10] });
    expect(COUNTRY_PHONE_PLANS.get('US')).toMatchObject({ callingCode: '1', nationalPrefix: '1', lengths: [10] });
    expect(COUNTRY_PHONE_PLANS.get('AM')).toMatchObject({ callingCode: '374', nationalPrefix: '0', lengths: [8] });
    expect(COUNTRY_PHONE_PLANS.get('IT')).toMatchObject({ callingCode: '39', nationalPrefix: '' });
    expect(COUNTRY_PHONE_PLANS.get('HU')?.nationalPrefix).toBe('06');
    expect(COUNTRY_PHONE_PLANS.has('AQ')).toBe(false);
  });

  it('unites the lengths of countries sharing a calling code', () => {
    expect(CALLING_CODE_PLANS.get('1')).toMatchObject({ nationalPrefix: '1', lengths: expect.arrayContaining([7, 10]) });
    expect(CALLING_CODE_PLANS.get('7')).toMatchObject({ nationalPrefix: '8', lengths: [10, 14] });
    expect(CALLING_CODE_PLANS.get('800')).toMatchObject({ nationalPrefix: '', lengths: [8] });
  });

  it('keys the lookup rows by country and by every 1-3 digit calling-code prefix', () => {
    const keys = new Map(phonePlanRows().map((r) => [r.key, r.plan.callingCode]));
    expect(keys.get('+1')).toBe('1');
    expect(keys.get('+12')).toBe('1');
    expect(keys.get('+123')).toBe('1');
    expect(keys.get('+44')).toBe('44');
    expect(keys.get('+447')).toBe('44');
    expect(keys.get('+4')).toBeUndefined();
    expect(keys.get('+374')).toBe('374');
    expect(keys.get('+999')).toBeUndefined();
    expect([...keys.keys()].filter((k) => k.startsWith('+0'))).toEqual([]);
    expect(keys.get('GB')).toBe('44');
  });
});

describe('phone table cases', () => {
  // TikTok: PHONE_SHA256, digits with country code, no '+'. Rows carry their own COUNTRY (null: none, no default).
  const tiktok: RuleCase[] = [
    ['+374 93 828222', '37493828222', null],
    ['0037493828222', '37493828222', null],
    ['(093) 828-222', '37493828222', 'AM'],
    ['37493828222', '37493828222', 'Armenia'],
    ['+44 (0)20 7946 0958', '442079460958', null],
    ['020 7946 0958', '442079460958', 'GB'],
    ['+7 916 123-45-67', '79161234567', null],
    ['8 (916) 123-45-67', '79161234567', 'RU'],
    ['+1 555 987 6543 ext. 12', no('invalid_phone_characters'), null],
    ['+1 (555) 987-654', no('phone_invalid_length'), null],
    ['+999 1234 5678', no('unknown_country_code'), null],
    ['93828222', no('missing_country'), null],
    ['555-987-6543', no('unknown_country'), 'Antarctica'],
    ['  nan ', no('null_token'), 'AM'],
    ['٠١٢٣٤٥٦٧٨٩', no('invalid_phone_characters'), 'AM'],
    ['+', no('phone_too_short'), null],
    ['12345', no('phone_too_short'), 'US'],
    ['+1 555 987 65432 1', no('phone_too_long'), null],
    // +1 is checked against the union of its countries' lengths, and Canada has a 7-digit plan.
    ['+1 555 1234', '15551234', null],
    ['555 1234', no('phone_too_short'), 'US'],
  ];
  // Meta: PHONE, digits with country code; the dataset's default country is US.
  const meta: RuleCase[] = [
    ['+1 (555) 987-6543', '15559876543'],
    ['(650)555-1212', '16505551212'],
    ['650.555.1212', '16505551212'],
    ['1-650-555-1212', '16505551212'],
    ['16505551212', '16505551212'],
    ['\u00a0650 555 1212\u3000', '16505551212'],
    ['+44 7911 123456', '447911123456'],
    ['555-1212', no('phone_too_short')],
    ['650 555 12123', no('phone_too_long')],
    ['011 44 20 7946 0958', no('phone_too_long')],
    ['(650) 555-1212 x3', no('invalid_phone_characters')],
    ['N/A', no('null_token')],
    ['   ', no('empty')],
    [null, no('empty')],
  ];
  // Snap: PHONE_SHA256, like TikTok.
  const snap: RuleCase[] = [
    ['+1(706)-767-5127', '17067675127'],
    ['+(1) 706 767 5127', '17067675127'],
    ['+33 6 12 34 56 78', '33612345678'],
    ['0033 6 12 34 56 78', '33612345678'],
    ['+33 (0)6 12 34 56 78', '33612345678'],
    ['+39 06 6982 1234', '390669821234'],
    ['+81 3-1234-5678', '81312345678'],
    ['+61 4 1234 5678', '61412345678'],
    ['+55 11 91234 5678', '5511912345678'],
    ['+86 138 0013 8000', '8613800138000'],
    ['+1 706 767 512A', no('invalid_phone_characters')],
    ['1+7067675127', no('invalid_phone_characters')],
    ['++17067675127', no('invalid_phone_characters')],
    ['+1 706-767-5127 / 5128', no('phone_too_long')],
  ];
  // Google: E.164 with '+'; default US.
  const google: RuleCase[] = [
    ['323 456 7890', '+13234567890'],
    ['+1 323 456 7890', '+13234567890'],
    ['13234567890', '+13234567890'],
    ['1 (323) 456-7890', '+13234567890'],
    ['+44 20 7946 0958', '+442079460958'],
    ['0044 (0) 20 7946 0958', '+442079460958'],
    ['+36 06 1 234 5678', '+3612345678'],
    ['+800 1234 5678', '+80012345678'],
    ['456 7890', no('phone_too_short')],
    ['+0 123 456', no('unknown_country_code')],
    // Niue has 4-digit numbers, but E.164 numbers have at least 8 digits.
    ['+683 4002', no('phone_too_short')],
    ['+683 888 4002', '+6838884002'],
    ['tel:+13234567890', no('invalid_phone_characters')],
    ['', no('empty')],
  ];

  it('TikTok (phone, row countries, no default)', async () => {
    expect(await checkCases(engine, phoneRule, tiktok, {})).toEqual([]);
  });
  it('Meta (phone, default US)', async () => {
    expect(await checkCases(engine, phoneRule, meta, { defaultCountry: 'US' })).toEqual([]);
  });
  it('Snap (phone)', async () => {
    expect(await checkCases(engine, phoneRule, snap, { defaultCountry: 'US' })).toEqual([]);
  });
  it('Google (phone_e164, default US)', async () => {
    expect(await checkCases(engine, phoneE164Rule, google, { defaultCountry: 'US' })).toEqual([]);
  });
});

describe('phone SQL and TypeScript agree on 10,000 messy values', () => {
  it('default country US, no COUNTRY column', async () => {
    expect(await crossCheck(engine, phoneRule, messyValues('phone', 10_000, 101), { defaultCountry: 'US' })).toEqual([]);
  });
  it('COUNTRY column, no default', async () => {
    const values = messyValues('phone', 10_000, 102);
    expect(await crossCheck(engine, phoneRule, values, {}, messyRowCountries(values.length, 103, PHONE_ROW_COUNTRIES))).toEqual([]);
  });
  it('E.164 variant, COUNTRY column with default GB', async () => {
    const values = messyValues('phone', 10_000, 104);
    expect(await crossCheck(engine, phoneE164Rule, values, { defaultCountry: 'GB' }, messyRowCountries(values.length, 105, PHONE_ROW_COUNTRIES))).toEqual([]);
  });
});

describe('the SQL fast paths for digits with spaces or ASCII separators', () => {
  const cases: RuleCase[] = [
    ['15559876543', '15559876543'],
    ['+15559876543', '15559876543'],
    ['+1 555 987 6543', '15559876543'],
    ['  +1 555 987 6543  ', '15559876543'],
    ['+ 1 555 987 6543', '15559876543'],
    ['(+44) 20 7946 0958', '442079460958'],
    ['+(44) 20-7946-0958', '442079460958'],
    ['+44 (0)20 7946 0958', '442079460958'],
    ['555.987.6543', '15559876543'],
    ['555/987-6543', '15559876543'],
    ['00 44 20 7946 0958', '442079460958'],
    ['(555)\t987-6543', '15559876543'],
    ['555\u00a0987\u00a06543', '15559876543'],
    ['555 987 654', no('phone_too_short')],
    ['+', no('phone_too_short')],
    ['+ ', no('phone_too_short')],
    ['()', no('phone_too_short')],
    ['-', no('null_token')],
    [' -- ', no('null_token')],
    ['', no('empty')],
    ['  ', no('empty')],
    ['1+555 987 6543', no('invalid_phone_characters')],
    ['555 987 6543 +', no('invalid_phone_characters')],
    ['(555) 987-6543 +1', no('invalid_phone_characters')],
    ['+-', no('phone_too_short')],
    ['+999 1234 5678', no('unknown_country_code')],
  ];
  it.each([
    ['phone', phoneRule],
    ['phone_e164', phoneE164Rule],
  ] as const)('%s', async (_name, rule) => {
    const expected = (e: RuleCase[1]) => (typeof e === 'string' && rule === phoneE164Rule ? `+${e}` : e);
    expect(await checkCases(engine, rule, cases.map(([input, e]) => [input, expected(e)] as const), { defaultCountry: 'US' })).toEqual([]);
  });

  /** Digits in groups with ASCII separators and the odd '+', tab, no-break space, letter or placeholder. */
  function separatedPhone(rng: Rng): string {
    const groups = Array.from({ length: rng.int(1, 6) }, () => rng.digits(rng.int(1, 5)));
    const sep = () => (rng.chance(0.03) ? rng.pick(['\t', '\u00a0', '\u3000', 'x', '_', '+', '--', '']) : rng.pick([' ', '-', '.', '/', '(', ')', ' (', ') ', '']));
    let phone = groups.map((g, i) => (i === 0 ? g : sep() + g)).join('');
    const start = rng.float();
    if (start < 0.3) phone = `+${phone}`;
    else if (start < 0.4) phone = `(+${groups[0]})${phone.slice(groups[0]!.length)}`;
    else if (start < 0.5) phone = `00${phone}`;
    else if (start < 0.55) phone = rng.pick(['-', '--', '+', '()', ' ', '']);
    if (rng.chance(0.1)) phone = `${rng.pick([' ', '(', '-', '\t'])}${phone}${rng.pick([' ', ')', '.', '+'])}`;
    return phone;
  }
  it.each([
    ['default US', phoneRule, { defaultCountry: 'US' }, 111],
    ['default GB', phoneE164Rule, { defaultCountry: 'GB' }, 112],
    ['no default', phoneRule, {}, 113],
  ] as const)('SQL and TypeScript agree on 10,000 separated numbers (%s)', async (_name, rule, ctx, seed) => {
    const rng = new Rng(seed);
    const values = Array.from({ length: 10_000 }, () => separatedPhone(rng));
    const rowCountries = messyRowCountries(values.length, seed + 10, PHONE_ROW_COUNTRIES);
    const validCount = runRuleTs(rule, values, ctx, rowCountries).filter((o) => o.ok).length;
    expect(validCount).toBeGreaterThan(1000);
    expect(await crossCheck(engine, rule, values, ctx, rowCountries)).toEqual([]);
  });
});

describe('valid outputs are numbers libphonenumber-js itself finds possible', () => {
  it('holds for generated international numbers of single-country calling codes', () => {
    const values = messyValues('phone', 5000, 106);
    const outcomes = runRuleTs(phoneE164Rule, values, { defaultCountry: 'DE' });
    let checked = 0;
    const disagreements: string[] = [];
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      const parsed = parsePhoneNumberFromString(outcome.value);
      // Shared codes (+1, +7, ...) are checked against the union of their countries' lengths by design.
      if (!parsed || (metadata.country_calling_codes[parsed.countryCallingCode]?.length ?? 1) > 1) continue;
      checked += 1;
      if (parsed.number !== outcome.value || !parsed.isPossible()) disagreements.push(outcome.value);
    }
    expect(checked).toBeGreaterThan(1000);
    expect(disagreements.slice(0, 10)).toEqual([]);
  });
});
