import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, type RuleCase } from '../../testing/rule-sql.js';
import { emailGoogleRule, emailRule, emailTiktokRule } from './email.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

const common: RuleCase[] = [
  ['nan', no('null_token')],
  ['None', no('null_token')],
  ['\u00a0\t', no('empty')],
  ['mary@example', no('invalid_email')],
  ['mary@@example.com', no('invalid_email')],
  ['mary smith@example.com', no('invalid_email')],
  ['mary\u00a0smith@example.com', no('invalid_email')],
  ['"mary"@example.com', no('invalid_email')],
  ['mary@-example.com', no('invalid_email')],
  ['mary@example.com.', no('invalid_email')],
  [`${'a'.repeat(65)}@example.com`, no('invalid_email')],
  [`mary@${'a'.repeat(64)}.com`, no('invalid_email')],
  [`${'a'.repeat(64)}@${'b'.repeat(63)}.com`, `${'a'.repeat(64)}@${'b'.repeat(63)}.com`],
];

describe('email table cases', () => {
  it('TikTok (email_tiktok): trim, lower-case, remove +tag', async () => {
    const cases: RuleCase[] = [
      ['JaneDoe@gmail.com', 'janedoe@gmail.com'],
      [' Jane.Doe+news@Example.COM\u3000', 'jane.doe@example.com'],
      ['\u000bjane+a+b@example.org', 'jane@example.org'],
      ['jane+@example.test', 'jane@example.test'],
      ['+tag@example.com', no('invalid_email')],
      ['ΣΑΣ+x@example.gr', 'σας@example.gr'],
      ...common,
    ];
    expect(await checkCases(engine, emailTiktokRule, cases, {})).toEqual([]);
  });

  it('Meta (email): trim, lower-case, keep +tag and dots', async () => {
    const cases: RuleCase[] = [
      ['Mary@Example.com ', 'mary@example.com'],
      ['\uFEFFMary.Smith+Promo@Example.com\r\n', 'mary.smith+promo@example.com'],
      ['JOSÉ@EXAMPLE.COM', 'josé@example.com'],
      ['jose\u0301@example.com', 'josé@example.com'],
      ['İPEK@EXAMPLE.COM', 'ipek@example.com'],
      ['user@bücher.example', 'user@bücher.example'],
      ['ΟΔΟΣ@ΠΑΡΆΔΕΙΓΜΑ.ΔΟΚΙΜΉ', 'οδος@παράδειγμα.δοκιμή'],
      ...common,
    ];
    expect(await checkCases(engine, emailRule, cases, {})).toEqual([]);
  });

  it('Snap (email): trim, lower-case', async () => {
    const cases: RuleCase[] = [
      ['Snap.User@Example.Net', 'snap.user@example.net'],
      ['\tuser_01@example.co.uk ', 'user_01@example.co.uk'],
      ["o'neil@example.com", "o'neil@example.com"],
      ['first.last+snap@example.org', 'first.last+snap@example.org'],
      ['123@example.com', '123@example.com'],
      ...common,
    ];
    expect(await checkCases(engine, emailRule, cases, {})).toEqual([]);
  });

  it('Google (email_google): gmail.com and googlemail.com lose dots and +tag', async () => {
    const cases: RuleCase[] = [
      ['Jane.Doe@gmail.com', 'janedoe@gmail.com'],
      ['jane.doe+shop@GMAIL.COM', 'janedoe@gmail.com'],
      ['j.a.n.e@googlemail.com', 'jane@googlemail.com'],
      ['jane.doe+shop@example.com', 'jane.doe+shop@example.com'],
      ['jane.doe@gmail.com.example', 'jane.doe@gmail.com.example'],
      ['.@gmail.com', no('invalid_email')],
      ...common,
    ];
    expect(await checkCases(engine, emailGoogleRule, cases, {})).toEqual([]);
  });
});

describe('email SQL and TypeScript agree on 10,000 messy values', () => {
  it.each([
    ['email', emailRule, 201],
    ['email_tiktok', emailTiktokRule, 202],
    ['email_google', emailGoogleRule, 203],
  ] as const)('%s', async (_name, rule, seed) => {
    expect(await crossCheck(engine, rule, messyValues('email', 10_000, seed), {})).toEqual([]);
  });
});
