import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { REGION_ROW_COUNTRIES, messyRowCountries, messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, type RuleCase } from '../../testing/rule-sql.js';
import { COUNTRY_KEYS, US_STATE_KEYS, countryRule, stateRule, zipRule } from './region.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

describe('country lookup keys come from i18n-iso-countries', () => {
  it('maps codes, English names, aliases and other languages, and drops ambiguous names', () => {
    expect(COUNTRY_KEYS.size).toBeGreaterThan(1000);
    expect(COUNTRY_KEYS.get('us')).toBe('US');
    expect(COUNTRY_KEYS.get('usa')).toBe('US');
    expect(COUNTRY_KEYS.get('unitedstatesofamerica')).toBe('US');
    expect(COUNTRY_KEYS.get('deutschland')).toBe('DE');
    expect(COUNTRY_KEYS.get('cotedivoire')).toBe('CI');
    expect(COUNTRY_KEYS.get('moldova')).toBe('MD');
    expect(COUNTRY_KEYS.get('congo')).toBeUndefined();
    expect(COUNTRY_KEYS.get('virginislands')).toBeUndefined();
  });
  it('lists US states, DC and territories', () => {
    expect(new Set(US_STATE_KEYS.values()).size).toBe(60);
    expect(US_STATE_KEYS.get('newyork')).toBe('NY');
    expect(US_STATE_KEYS.get('washingtondc')).toBe('DC');
  });
});

describe('region table cases (Meta)', () => {
  it('COUNTRY: alpha-2 lower-case from codes and names', async () => {
    const cases: RuleCase[] = [
      ['United States', 'us'],
      ['united states ', 'us'],
      ['U.S.A.', 'us'],
      ['UNITED STATES OF AMERICA', 'us'],
      ['USA', 'us'],
      ['UK', 'gb'],
      ['Great Britain', 'gb'],
      ['England', 'gb'],
      ['DEU', 'de'],
      ['Deutschland', 'de'],
      ['Allemagne', 'de'],
      ["Côte d'Ivoire", 'ci'],
      ['Cote d’Ivoire', 'ci'],
      ['Türkiye', 'tr'],
      ['Holland', 'nl'],
      ['fr', 'fr'],
      ['Congo', no('unknown_country')],
      ['Narnia', no('unknown_country')],
      ['XX', no('unknown_country')],
      ['日本', no('unknown_country')],
      ['n/a', no('null_token')],
    ];
    expect(await checkCases(engine, countryRule, cases, {})).toEqual([]);
  });

  it('ST: US names to codes, elsewhere compact lower-case text', async () => {
    const cases: RuleCase[] = [
      ['New York', 'ny', 'US'],
      ['NY', 'ny', 'United States'],
      ['n.y.', 'ny', 'USA'],
      ['  california ', 'ca', 'US'],
      ['Washington, D.C.', 'dc', 'US'],
      ['Puerto Rico', 'pr', 'US'],
      ['New York State', 'ny', 'US'],
      ['Nueva York', no('invalid_state'), 'US'],
      ['Bavaria', no('invalid_state'), 'US'],
      ['Texas', 'tx', null],
      ['Bavaria', 'bavaria', null],
      ['Bayern', 'bayern', 'DE'],
      ['Île-de-France', 'îledefrance', 'FR'],
      ['ON', 'on', 'Canada'],
      ['New South Wales', 'newsouthwales', 'Australia'],
      ['Κρήτη', 'κρήτη', 'Greece'],
      ['—', no('invalid_state'), 'GB'],
      ['nan', no('null_token'), 'US'],
    ];
    expect(await checkCases(engine, stateRule, cases, {})).toEqual([]);
  });

  it('ST with a default country of US', async () => {
    const cases: RuleCase[] = [
      ['New York', 'ny'],
      ['Calif', no('invalid_state')],
      ['tx', 'tx'],
      ['Armed Forces Europe', 'ae'],
      ['District of Columbia', 'dc'],
      ['Washington', 'wa'],
      ['Washington DC', 'dc'],
      ['West Virginia', 'wv'],
      ['Virginia', 'va'],
      ['XX', no('invalid_state')],
    ];
    expect(await checkCases(engine, stateRule, cases, { defaultCountry: 'US' })).toEqual([]);
  });

  it('ZIP: US 5 digits, UK postcodes, others compact', async () => {
    const cases: RuleCase[] = [
      ['M1 1AE', 'm11ae', 'UK'],
      ['SW1A 1AA', 'sw1a1aa', 'United Kingdom'],
      ['m1', 'm1', 'GB'],
      ['JE2 3AB', 'je23ab', 'JE'],
      ['12345 1AB', no('invalid_zip'), 'GB'],
      ['94105', '94105', 'US'],
      ['94105-1234', '94105', 'US'],
      ['941051234', '94105', 'US'],
      ['94105 1234', '94105', 'USA'],
      ['00901', '00901', 'PR'],
      ['2134', no('invalid_zip'), 'US'],
      ['9410', no('invalid_zip'), 'US'],
      ['ZIP', no('invalid_zip'), 'US'],
      ['10115', '10115', 'Germany'],
      ['1011 AB', '1011ab', 'NL'],
      ['K1A 0B1', 'k1a0b1', 'Canada'],
      ['100-0001', '1000001', 'JP'],
      ['941051234', '941051234', null],
      ['K1A', 'k1a', null],
      ['ＭＩ', no('invalid_zip'), null],
      ['\u212A1A 0B1', no('invalid_zip'), 'Canada'],
      ['#12345', no('invalid_zip'), 'FR'],
      ['None', no('null_token'), 'US'],
    ];
    expect(await checkCases(engine, zipRule, cases, {})).toEqual([]);
  });
});

describe('region SQL and TypeScript agree on 10,000 messy values', () => {
  it('country', async () => {
    expect(await crossCheck(engine, countryRule, messyValues('country', 10_000, 501), {})).toEqual([]);
  });
  it.each([
    ['state', stateRule, 'state', 502, {}],
    ['state, default US', stateRule, 'state', 503, { defaultCountry: 'US' }],
    ['zip', zipRule, 'zip', 504, {}],
    ['zip, default GB', zipRule, 'zip', 505, { defaultCountry: 'GB' }],
  ] as const)('%s with a COUNTRY column', async (_name, rule, kind, seed, ctx) => {
    const values = messyValues(kind, 10_000, seed);
    expect(await crossCheck(engine, rule, values, ctx, messyRowCountries(values.length, seed + 50, REGION_ROW_COUNTRIES))).toEqual([]);
  });
});
