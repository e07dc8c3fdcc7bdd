import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, type RuleCase } from '../../testing/rule-sql.js';
import { cityRule, firstInitialRule, nameGoogleRule, nameRule } from './name.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

describe('name table cases', () => {
  it('Meta FN / LN: letters of any script, lower-case, NFC', async () => {
    const cases: RuleCase[] = [
      ['Mary', 'mary'],
      ['Valéry', 'valéry'],
      ['Vale\u0301ry', 'valéry'],
      ['  Anne-Marie ', 'annemarie'],
      ["O'Neil", 'oneil'],
      ['Mary 2nd', 'marynd'],
      ['ΟΔΥΣΣΕΑΣ', 'οδυσσεας'],
      ['ΣΑΣ', 'σας'],
      ['İSMAİL', 'ismail'],
      ['Владимир', 'владимир'],
      ['山田', '山田'],
      ['Nguyễn', 'nguyễn'],
      ['Ørjan\u200B', 'ørjan'],
      ['J.', 'j'],
      ['123', no('invalid_name')],
      ['!!!', no('invalid_name')],
      ['\u0301\u0301', no('invalid_name')],
      ['None', no('null_token')],
      ['\u3000', no('empty')],
    ];
    expect(await checkCases(engine, nameRule, cases, {})).toEqual([]);
  });

  it('Meta FI: first letter of the normalized first name', async () => {
    const cases: RuleCase[] = [
      ['Mary', 'm'],
      ['  valéry', 'v'],
      ['Élodie', 'é'],
      ['E\u0301lodie', 'é'],
      ["'Anne", 'a'],
      ['J.', 'j'],
      ['Łukasz', 'ł'],
      ['ΣΑΣ', 'σ'],
      ['İsmail', 'i'],
      ['김민준', '김'],
      ['-1', no('invalid_name')],
      ['nan', no('null_token')],
    ];
    expect(await checkCases(engine, firstInitialRule, cases, {})).toEqual([]);
  });

  it('Meta CT: letters only, lower-case, no spaces', async () => {
    const cases: RuleCase[] = [
      ['New York', 'newyork'],
      ['São Paulo', 'sãopaulo'],
      ['St. Louis', 'stlouis'],
      ['Winston-Salem', 'winstonsalem'],
      ["L'Aquila", 'laquila'],
      ['KÖLN', 'köln'],
      ['ΚΩΣ', 'κως'],
      ['İstanbul', 'istanbul'],
      ['東京', '東京'],
      ['Apt 5', 'apt'],
      ['12345', no('invalid_city')],
      ['#N/A', no('null_token')],
    ];
    expect(await checkCases(engine, cityRule, cases, {})).toEqual([]);
  });

  it('Google first / last name: trim and lower-case only', async () => {
    const cases: RuleCase[] = [
      ['Jane', 'jane'],
      [' Mary-Kate ', 'mary-kate'],
      ['Jean Luc', 'jean luc'],
      ["O'Neil", "o'neil"],
      ['ZOË', 'zoë'],
      ['Zoe\u0308', 'zoë'],
      ['ΝΙΚΟΣ', 'νικος'],
      ['İPEK', 'ipek'],
      ['123', no('invalid_name')],
      ['NULL', no('null_token')],
    ];
    expect(await checkCases(engine, nameGoogleRule, cases, {})).toEqual([]);
  });
});

describe('name SQL and TypeScript agree on 10,000 messy values', () => {
  it.each([
    ['name', nameRule, 'name', 401],
    ['first_initial', firstInitialRule, 'name', 402],
    ['city', cityRule, 'city', 403],
    ['name_google', nameGoogleRule, 'name', 404],
  ] as const)('%s', async (_name, rule, kind, seed) => {
    expect(await crossCheck(engine, rule, messyValues(kind, 10_000, seed), {})).toEqual([]);
  });
});
