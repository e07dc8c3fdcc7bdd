import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, type RuleCase } from '../../testing/rule-sql.js';
import { genderRule } from './gender.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

describe('gender table cases (Meta GEN)', () => {
  it('maps synonyms to m or f', async () => {
    const cases: RuleCase[] = [
      ['m', 'm'],
      ['M', 'm'],
      [' Male ', 'm'],
      ['MAN', 'm'],
      ['M.', 'm'],
      ['homme', 'm'],
      ['Masculino', 'm'],
      ['männlich', 'm'],
      ['f', 'f'],
      ['Female', 'f'],
      ['woman', 'f'],
      ['Femme', 'f'],
      ['FÉMININ', 'f'],
      ['femenino', 'f'],
      ['Weiblich', 'f'],
      ['W', 'f'],
      ['other', no('invalid_gender')],
      ['x', no('invalid_gender')],
      ['U', no('invalid_gender')],
      ['1', no('invalid_gender')],
      ['H', no('invalid_gender')],
      ['♀', no('invalid_gender')],
      ['None', no('null_token')],
      ['', no('empty')],
    ];
    expect(await checkCases(engine, genderRule, cases, {})).toEqual([]);
  });
});

describe('gender SQL and TypeScript agree on 10,000 messy values', () => {
  it('gender', async () => {
    expect(await crossCheck(engine, genderRule, messyValues('gender', 10_000, 701), {})).toEqual([]);
  });
});
