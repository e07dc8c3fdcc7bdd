import { describe, expect, it } from 'vitest';
import { metaProfile } from '../destinations/meta/profile.js';
import { tiktokProfile } from '../destinations/tiktok/profile.js';
import { planLayout } from './layout.js';
import { mismappingWarnings, parseMappingSpecs, validateMapping } from './mapping.js';

describe('parseMappingSpecs', () => {
  it('reads comma lists and repeated options, case-insensitive identifiers', () => {
    expect(parseMappingSpecs(['email=EMAIL,phone=phone', 'cc=COUNTRY'])).toEqual([
      { column: 'email', type: 'EMAIL' },
      { column: 'phone', type: 'PHONE' },
      { column: 'cc', type: 'COUNTRY' },
    ]);
  });

  it.each([
    ['email', /column=IDENTIFIER/],
    ['email=', /column=IDENTIFIER/],
    ['=EMAIL', /column=IDENTIFIER/],
    ['email=MAIL', /unknown identifier "MAIL"/],
    ['', /no column is mapped/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseMappingSpecs([spec])).toThrow(message);
  });
});

describe('validateMapping', () => {
  const columns = ['email', 'email2', 'phone', 'fn', 'country', 'idfa', 'gaid'];

  it('names a missing column and lists the real ones', () => {
    expect(() => validateMapping([{ column: 'mail', type: 'EMAIL' }], columns, tiktokProfile)).toThrow(
      /mapped column "mail" does not exist; the input has columns: email, email2/,
    );
  });

  it('refuses identifiers the destination does not take, but allows COUNTRY as phone context', () => {
    expect(() => validateMapping([{ column: 'fn', type: 'FN' }], columns, tiktokProfile)).toThrow(/TikTok Ads does not take FN/);
    expect(() =>
      validateMapping([{ column: 'phone', type: 'PHONE' }, { column: 'country', type: 'COUNTRY' }], columns, tiktokProfile),
    ).not.toThrow();
    expect(() => validateMapping([{ column: 'country', type: 'COUNTRY' }], columns, tiktokProfile)).toThrow(/no mapped column/);
  });

  it('allows one Meta column per key and up to three TikTok columns per header', () => {
    const twoEmails = [{ column: 'email', type: 'EMAIL' as const }, { column: 'email2', type: 'EMAIL' as const }];
    expect(() => validateMapping(twoEmails, columns, metaProfile)).toThrow(/one column for EMAIL/);
    expect(() => validateMapping(twoEmails, columns, tiktokProfile)).not.toThrow();
    const maids = [{ column: 'idfa', type: 'IDFA' as const }, { column: 'gaid', type: 'GAID' as const }];
    expect(() => validateMapping(maids, columns, metaProfile)).toThrow(/one column for MADID/);
  });
});

describe('planLayout', () => {
  it('TikTok: one identifier type gives a headerless file set of its calculate_type, pooling its columns', () => {
    const layout = planLayout([{ column: 'email', type: 'EMAIL' }, { column: 'email2', type: 'EMAIL' }, { column: 'country', type: 'COUNTRY' }], tiktokProfile);
    expect(layout).toMatchObject({ kind: 'single', typeName: 'EMAIL_SHA256', source: [{ mapping: 0 }, { mapping: 1 }] });
  });

  it('TikTok: several types give MULTIPLE_TYPES with a header naming each column', () => {
    const layout = planLayout([{ column: 'phone', type: 'PHONE' }, { column: 'email', type: 'EMAIL' }, { column: 'idfa', type: 'IDFA' }], tiktokProfile);
    expect(layout).toMatchObject({ kind: 'multi', typeName: 'MULTIPLE_TYPES', header: ['PHONE_SHA256', 'EMAIL_SHA256', 'MAID_SHA256'] });
  });

  it('Meta: multi-key schema in Meta order, DOB split into year, month and day, MADID raw', () => {
    const layout = planLayout(
      [{ column: 'dob', type: 'DOB' }, { column: 'idfa', type: 'IDFA' }, { column: 'fn', type: 'FN' }, { column: 'email', type: 'EMAIL' }],
      metaProfile,
    );
    expect(layout.kind).toBe('multi');
    if (layout.kind !== 'multi') return;
    expect(layout.header).toEqual(['EMAIL', 'DOBY', 'DOBM', 'DOBD', 'FN', 'MADID']);
    expect(layout.columns.map((c) => [c.mapping, c.slice?.start ?? null, c.hashed])).toEqual([
      [3, null, true],
      [0, 1, true],
      [0, 5, true],
      [0, 7, true],
      [2, null, true],
      [1, null, false],
    ]);
    expect(layout.maxRows).toBe(10_000);
  });
});

describe('mismappingWarnings', () => {
  it('warns when a confident suggestion is another identifier, not for the same family or low confidence', () => {
    const warnings = mismappingWarnings(
      [
        { column: 'email', type: 'FN' },
        { column: 'fname', type: 'FI' },
        { column: 'idfa', type: 'MAID' },
        { column: 'misc', type: 'ZIP' },
        { column: 'phone', type: 'PHONE' },
      ],
      [
        { column: 'email', type: 'EMAIL', confidence: 0.99 },
        { column: 'fname', type: 'FN', confidence: 0.99 },
        { column: 'idfa', type: 'IDFA', confidence: 0.95 },
        { column: 'misc', type: 'PHONE', confidence: 0.6 },
        { column: 'phone', type: 'PHONE', confidence: 0.99 },
      ],
    );
    expect(warnings).toEqual(['column "email" is mapped to FN but looks like EMAIL (confidence 0.99); check the mapping']);
  });
});
