import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, type RuleCase } from '../../testing/rule-sql.js';
import { maidRule } from './maid.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

const IDFA = 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6';
const idfa = IDFA.toLowerCase();
const GAID = '38400000-8cf0-11bd-b23e-10b96e40000d';

const invalidCommon: RuleCase[] = [
  ['00000000-0000-0000-0000-000000000000', no('zero_maid')],
  ['00000000000000000000000000000000', no('zero_maid')],
  [`{${IDFA}}`, no('invalid_maid')],
  [IDFA.slice(0, 35), no('invalid_maid')],
  [`${IDFA}0`, no('invalid_maid')],
  [IDFA.replace('F', 'G'), no('invalid_maid')],
  [IDFA.replace('-', ' '), no('invalid_maid')],
  [IDFA.replace('A', 'Ａ'), no('invalid_maid')],
  ['nan', no('null_token')],
  ['', no('empty')],
];

describe('MAID table cases (one rule for every platform)', () => {
  it('TikTok IDFA_SHA256 / GAID_SHA256', async () => {
    const cases: RuleCase[] = [[IDFA, idfa], [GAID, GAID], [` ${GAID.toUpperCase()}\t`, GAID], ...invalidCommon];
    expect(await checkCases(engine, maidRule, cases, {})).toEqual([]);
  });
  it('Meta MADID (sent raw)', async () => {
    const cases: RuleCase[] = [[IDFA, idfa], ['\u00a0' + IDFA + '\u00a0', idfa], [IDFA.replaceAll('-', ''), idfa], ...invalidCommon];
    expect(await checkCases(engine, maidRule, cases, {})).toEqual([]);
  });
  it('Snap MOBILE_AD_ID_SHA256', async () => {
    const cases: RuleCase[] = [['F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'], [GAID.replaceAll('-', '').toUpperCase(), GAID], ...invalidCommon];
    expect(await checkCases(engine, maidRule, cases, {})).toEqual([]);
  });
  it('Google mobileId (raw)', async () => {
    const cases: RuleCase[] = [[GAID, GAID], ['\uFEFF' + IDFA, idfa], ...invalidCommon];
    expect(await checkCases(engine, maidRule, cases, {})).toEqual([]);
  });
});

describe('MAID SQL and TypeScript agree on 10,000 messy values', () => {
  it('maid', async () => {
    expect(await crossCheck(engine, maidRule, messyValues('maid', 10_000, 301), {})).toEqual([]);
  });
});
