import { describe, expect, it } from 'vitest';
import { judgeColumn, MATCH_KINDS, type ColumnStats, type MatchKind } from './classify.js';
import { nameHint, normalizeColumnName } from './names.js';

describe('normalizeColumnName', () => {
  it.each([
    ['firstName', 'first_name'],
    ['First Name', 'first_name'],
    ['EMAIL_SHA256', 'email_sha256'],
    ['customerID', 'customer_id'],
    ['HashedEmail', 'hashed_email'],
    ['e-mail', 'e_mail'],
    ['Código Postal', 'codigo_postal'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeColumnName(input)).toBe(expected);
  });
});

describe('nameHint', () => {
  it.each([
    ['email', 'EMAIL', 0.9, false],
    ['E_Mail', 'EMAIL', 0.9, false],
    ['mail', 'EMAIL', 0.9, false],
    ['customer_email', 'EMAIL', 0.85, false],
    ['hashed_email', 'EMAIL', 0.9, true],
    ['email_sha256', 'EMAIL', 0.9, true],
    ['EMAIL_SHA256', 'EMAIL', 0.9, true],
    ['sha256_phone', 'PHONE', 0.9, true],
    ['sha256email', 'EMAIL', 0.9, true],
    ['email_1', 'EMAIL', 0.9, false],
    ['phone', 'PHONE', 0.9, false],
    ['mobile', 'PHONE', 0.9, false],
    ['MSISDN', 'PHONE', 0.9, false],
    ['tel', 'PHONE', 0.9, false],
    ['primary_phone_number', 'PHONE', 0.85, false],
    ['first_name', 'FN', 0.9, false],
    ['fname', 'FN', 0.9, false],
    ['givenName', 'FN', 0.9, false],
    ['fn', 'FN', 0.8, false],
    ['last_name', 'LN', 0.9, false],
    ['surname', 'LN', 0.9, false],
    ['zip', 'ZIP', 0.9, false],
    ['zip5', 'ZIP', 0.9, false],
    ['postal_code', 'ZIP', 0.9, false],
    ['postcode', 'ZIP', 0.9, false],
    ['city', 'CT', 0.9, false],
    ['state', 'ST', 0.9, false],
    ['region', 'ST', 0.9, false],
    ['country', 'COUNTRY', 0.9, false],
    ['country_code', 'COUNTRY', 0.9, false],
    ['dob', 'DOB', 0.9, false],
    ['birth_date', 'DOB', 0.9, false],
    ['birthday', 'DOB', 0.9, false],
    ['birth_year', 'DOBY', 0.9, false],
    ['gender', 'GEN', 0.9, false],
    ['sex', 'GEN', 0.9, false],
    ['idfa', 'IDFA', 0.9, false],
    ['gaid', 'GAID', 0.9, false],
    ['aaid', 'GAID', 0.9, false],
    ['maid', 'MAID', 0.9, false],
    ['device_id', 'MAID', 0.9, false],
    ['external_id', 'EXTERN_ID', 0.9, false],
    ['customer_id', 'EXTERN_ID', 0.9, false],
    ['user_id', 'EXTERN_ID', 0.9, false],
    ['id', 'EXTERN_ID', 0.5, false],
    ['email_domain', 'EMAIL', 0.6, false],
    ['phone_country', 'COUNTRY', 0.6, false],
  ])('%s -> %s %d', (name, type, score, prehashed) => {
    expect(nameHint(name)).toEqual({ type, score, prehashed });
  });

  it.each(['amount', 'created_at', 'name', 'street', 'st_address', 'segment'])('%s -> nothing', (name) => {
    expect(nameHint(name)).toBeUndefined();
  });
});

/** Stats for `rows` sampled values of which `matches` match (counts), with `empty` blank ones. */
function stats(rows: number, matches: Partial<Record<MatchKind, number>>, extra: Partial<ColumnStats> = {}): ColumnStats {
  const all = Object.fromEntries(MATCH_KINDS.map((k) => [k, matches[k] ?? 0])) as Record<MatchKind, number>;
  return { rows, empty: 0, placeholders: 0, distinct: rows, matches: all, ...extra };
}

describe('judgeColumn', () => {
  it('emails named email: EMAIL, high confidence', () => {
    const v = judgeColumn('email', stats(100, { email: 100 }));
    expect(v).toMatchObject({ contentType: 'email', prehashed: false, mask: 'email', warnings: [] });
    expect(v.suggestion).toMatchObject({ type: 'EMAIL', confidence: 0.99 });
  });

  it('content beats a disagreeing name: emails in a column named phone', () => {
    const v = judgeColumn('phone', stats(100, { email: 97 }));
    expect(v.suggestion?.type).toBe('EMAIL');
    expect(v.warnings.join(' ')).toMatch(/name suggests PHONE/);
  });

  it('emails with no telling name are still EMAIL', () => {
    expect(judgeColumn('contact', stats(100, { email: 100 })).suggestion).toMatchObject({ type: 'EMAIL', confidence: 0.9 });
  });

  it('64-hex values: pre-hashed, type from the name', () => {
    const v = judgeColumn('email_sha256', stats(100, { sha256: 100 }));
    expect(v).toMatchObject({ contentType: 'sha256', prehashed: true, hash: 'sha256', mask: 'hash' });
    expect(v.suggestion).toMatchObject({ type: 'EMAIL', prehashed: true });
    expect(v.suggestion!.confidence).toBeGreaterThan(0.85);
    expect(judgeColumn('phone', stats(100, { sha256: 100 })).suggestion).toMatchObject({ type: 'PHONE', prehashed: true });
  });

  it('64-hex values with a name that says nothing: pre-hashed, no type, a warning', () => {
    const v = judgeColumn('col_7', stats(100, { sha256: 100 }));
    expect(v).toMatchObject({ prehashed: true, suggestion: null });
    expect(v.warnings.join(' ')).toMatch(/already hashed/);
  });

  it('a mix of hashes and plain values is flagged mixed', () => {
    const v = judgeColumn('email', stats(100, { sha256: 50, email: 50 }));
    expect(v.contentType).toBe('mixed');
    expect(v.warnings.join(' ')).toMatch(/mixed: 50% of values are SHA-256/);
    expect(v.suggestion).toMatchObject({ type: 'EMAIL' });
    expect(v.suggestion!.confidence).toBeLessThan(0.7);
  });

  it('a pre-hashed column with a few non-hex values warns that they will be invalid', () => {
    const v = judgeColumn('hashed_email', stats(100, { sha256: 90 }));
    expect(v.prehashed).toBe(true);
    expect(v.warnings.join(' ')).toMatch(/10% of values are not SHA-256/);
  });

  it('UUIDs take their type from the name, else MAID at medium confidence', () => {
    expect(judgeColumn('idfa', stats(10, { uuid: 10 })).suggestion).toMatchObject({ type: 'IDFA', confidence: 0.99 });
    expect(judgeColumn('gaid', stats(10, { uuid: 10 })).suggestion).toMatchObject({ type: 'GAID' });
    expect(judgeColumn('device_id', stats(10, { uuid: 10 })).suggestion).toMatchObject({ type: 'MAID' });
    expect(judgeColumn('customer_id', stats(10, { uuid: 10 })).suggestion).toMatchObject({ type: 'EXTERN_ID' });
    expect(judgeColumn('x', stats(10, { uuid: 10 })).suggestion).toMatchObject({ type: 'MAID', confidence: 0.5 });
  });

  it('unformatted digits named phone: PHONE', () => {
    const v = judgeColumn('phone', stats(100, { phoneDigits: 100, digits: 100, number: 100 }));
    expect(v).toMatchObject({ contentType: 'number', mask: 'phone' });
    expect(v.suggestion).toMatchObject({ type: 'PHONE', confidence: 0.99 });
  });

  it('a name the content contradicts keeps a low confidence and warns', () => {
    const v = judgeColumn('email', stats(100, { digits: 100, number: 100 }));
    expect(v.suggestion).toMatchObject({ type: 'EMAIL', confidence: 0.18 });
    expect(v.warnings.join(' ')).toMatch(/only 0% of values look like one/);
  });

  it('names by name and letters', () => {
    expect(judgeColumn('first_name', stats(100, { alpha: 100 })).suggestion).toMatchObject({ type: 'FN', confidence: 0.99 });
    expect(judgeColumn('first_name', stats(100, { alpha: 100 })).mask).toBe('name');
  });

  it('countries and genders without a telling name', () => {
    expect(judgeColumn('c', stats(100, { countryCode: 100, alpha: 100 })).suggestion).toMatchObject({ type: 'COUNTRY' });
    expect(judgeColumn('g', stats(100, { gender: 100, alpha: 100, initial: 100 }, { distinct: 2 })).suggestion).toMatchObject({ type: 'GEN' });
  });

  it('an empty column: name only, halved, with a warning', () => {
    const v = judgeColumn('email', stats(100, {}, { empty: 100, distinct: 0 }));
    expect(v.contentType).toBe('empty');
    expect(v.suggestion).toMatchObject({ type: 'EMAIL', confidence: 0.45 });
    expect(v.warnings).toEqual(['no values in the sample']);
  });

  it('nothing to go on: no suggestion', () => {
    expect(judgeColumn('amount', stats(100, { number: 100, digits: 100 })).suggestion).toBeNull();
  });
});
