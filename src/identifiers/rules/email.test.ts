import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { Rng, WHITESPACE, messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, runRuleTs, type RuleCase } from '../../testing/rule-sql.js';
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

describe('the SQL fast path for clean ASCII addresses', () => {
  // 64 characters is the longest value the fast path takes; longer ones take the full checks.
  const at64 = `${'a'.repeat(52)}@example.com`;
  const cases: RuleCase[] = [
    ['USER.NAME@EXAMPLE.COM', 'user.name@example.com'],
    ['a@b--c.d-e.example', 'a@b--c.d-e.example'],
    ['x@123.example', 'x@123.example'],
    [at64.toUpperCase(), at64],
    [`B${at64}`, `b${at64}`],
    [`${'a'.repeat(64)}@b.com`, `${'a'.repeat(64)}@b.com`],
    [`${'a'.repeat(65)}@b.com`, no('invalid_email')],
    ['a\u007f@example.com', 'a\u007f@example.com'],
    [' a@example.com', 'a@example.com'],
    ['a@example.com\u0085', no('invalid_email')],
    ['a@example.c0m', no('invalid_email')],
    ['a@example.c', no('invalid_email')],
    ['a@-example.com', no('invalid_email')],
    ['a@example-.com', no('invalid_email')],
    ['a@example..com', no('invalid_email')],
    ['a.@example.com', 'a.@example.com'],
    ['a@b@example.com', no('invalid_email')],
    ['a(b)@example.com', no('invalid_email')],
    ['NAN', no('null_token')],
  ];
  it.each([
    ['email', emailRule, [["!#$%&'*+/=?^_`{|}~-@Example.COM", "!#$%&'*+/=?^_`{|}~-@example.com"]]],
    [
      'email_tiktok',
      emailTiktokRule,
      [
        ["!#$%&'*+/=?^_`{|}~-@Example.COM", "!#$%&'*@example.com"],
        ['A+B+C@Example.com', 'a@example.com'],
        ['+@example.com', no('invalid_email')],
        ['a+@example.com', 'a@example.com'],
      ],
    ],
    [
      'email_google',
      emailGoogleRule,
      [
        ["!#$%&'*+/=?^_`{|}~-@Example.COM", "!#$%&'*+/=?^_`{|}~-@example.com"],
        ['J.A.N.E+X@GMAIL.COM', 'jane@gmail.com'],
        ['.+x@gmail.com', no('invalid_email')],
        ['a.b@xgmail.com', 'a.b@xgmail.com'],
      ],
    ],
  ] as const)('%s', async (_name, rule, own: readonly RuleCase[]) => {
    expect(await checkCases(engine, rule, [...cases, ...own], {})).toEqual([]);
  });

  /** Mostly ASCII addresses near the fast path's edges: specials, case, hyphens, lengths around 64, padding. */
  function asciiEmail(rng: Rng): string {
    const chars = (alphabet: string, n: number) => Array.from({ length: n }, () => rng.pick([...alphabet])).join('');
    const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const local = chars(rng.chance(0.2) ? `${alnum}!#$%&'*+/=?^_\`{|}~.-"(),:;<>[]\\ @` : `${alnum}._+-`, rng.int(1, rng.chance(0.2) ? 70 : 12));
    const label = () => chars(rng.chance(0.1) ? `${alnum}-_.` : alnum, rng.int(1, rng.chance(0.1) ? 66 : 8)) + (rng.chance(0.2) ? `-${chars(alnum, 2)}` : '');
    const labels = Array.from({ length: rng.int(1, 3) }, label).join('.');
    const tld = chars(rng.chance(0.1) ? `${alnum}-` : 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', rng.int(1, 4));
    let email = `${local}@${labels}.${tld}`;
    if (rng.chance(0.1)) email = `${local}@${rng.pick(['gmail.com', 'GoogleMail.com', 'xgmail.com'])}`;
    if (rng.chance(0.1)) email = rng.pick(WHITESPACE) + email;
    if (rng.chance(0.1)) email += rng.pick(WHITESPACE);
    return email;
  }
  it.each([
    ['email', emailRule, 211],
    ['email_tiktok', emailTiktokRule, 212],
    ['email_google', emailGoogleRule, 213],
  ] as const)('SQL and TypeScript agree on 10,000 ASCII addresses (%s)', async (_name, rule, seed) => {
    const rng = new Rng(seed);
    const values = Array.from({ length: 10_000 }, () => asciiEmail(rng));
    // Both valid and invalid addresses in good numbers, or the test says little.
    const validCount = runRuleTs(rule, values, {}).filter((o) => o.ok).length;
    expect(validCount).toBeGreaterThan(3000);
    expect(validCount).toBeLessThan(9000);
    expect(await crossCheck(engine, rule, values, {})).toEqual([]);
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
