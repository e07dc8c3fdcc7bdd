import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import type { RuleContext } from '../rule.js';
import { messyValues, type MessyKind } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, type RuleCase } from '../../testing/rule-sql.js';
import { dobDayRule, dobMonthRule, dobRule, dobYearRule } from './dob.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

const Y = { currentYear: 2025 } as const;

describe('date of birth table cases (Meta)', () => {
  it('DOB: full dates in many forms → YYYYMMDD', async () => {
    const cases: RuleCase[] = [
      ['1990-05-17', '19900517'],
      ['19900517', '19900517'],
      ['1990/5/7', '19900507'],
      ['1990.05.17', '19900517'],
      ['1990-05-17T08:30:00Z', '19900517'],
      ['1990-05-17 00:00:00', '19900517'],
      ['1990-05-17T23:59:59.999+02:00', '19900517'],
      ['17.05.1990', '19900517'],
      ['7.5.1990', '19900507'],
      ['17/05/1990', '19900517'],
      ['05/17/1990', '19900517'],
      ['17-05-1990', '19900517'],
      ['5/17/1990 12:00 AM', '19900517'],
      ['05/05/1990', '19900505'],
      ['03/04/1990', no('ambiguous_date')],
      ['1990-02-29', no('invalid_date')],
      ['2000-02-29', '20000229'],
      ['1900-02-29', no('invalid_date')],
      ['31/31/1990', no('invalid_date')],
      ['00/05/1990', no('invalid_date')],
      ['1990-13-01', no('invalid_date')],
      ['05/17/90', no('invalid_date')],
      ['17 May 1990', no('invalid_date')],
      ['1899-12-31', no('date_out_of_range')],
      ['2026-01-01', no('date_out_of_range')],
      ['2025-12-31', '20251231'],
      ['yesterday', no('invalid_date')],
      ['NaN', no('null_token')],
    ];
    expect(await checkCases(engine, dobRule, cases, Y)).toEqual([]);
  });

  it('DOB: the date format settles day/month order', async () => {
    const mdy: RuleCase[] = [['03/04/1990', '19900304'], ['03-04-1990', '19900304'], ['13/04/1990', '19900413'], ['04.03.1990', '19900304']];
    const dmy: RuleCase[] = [['03/04/1990', '19900403'], ['03-04-1990', '19900403'], ['04/13/1990', '19900413'], ['1990-03-04', '19900304']];
    expect(await checkCases(engine, dobRule, mdy, { ...Y, dateFormat: 'MDY' })).toEqual([]);
    expect(await checkCases(engine, dobRule, dmy, { ...Y, dateFormat: 'DMY' })).toEqual([]);
    expect(await checkCases(engine, dobRule, [['03/04/1990', no('ambiguous_date')]], { ...Y, dateFormat: 'YMD' })).toEqual([]);
  });

  it('DOBY: year → YYYY', async () => {
    const cases: RuleCase[] = [
      ['1990', '1990'],
      [' 1900 ', '1900'],
      ['2025', '2025'],
      ['1990-05-17', '1990'],
      ['17.05.1990', '1990'],
      ['03/04/1990', no('ambiguous_date')],
      ['1899', no('date_out_of_range')],
      ['2026', no('date_out_of_range')],
      ['90', no('invalid_date')],
      ['19990', no('invalid_date')],
      ['year', no('invalid_date')],
      ['', no('empty')],
    ];
    expect(await checkCases(engine, dobYearRule, cases, Y)).toEqual([]);
  });

  it('DOBM: month → MM', async () => {
    const cases: RuleCase[] = [
      ['3', '03'],
      ['03', '03'],
      ['12', '12'],
      ['March', '03'],
      ['mar', '03'],
      ['Sept.', '09'],
      ['DEC', '12'],
      ['1990-05-17', '05'],
      ['13', no('invalid_date')],
      ['0', no('invalid_date')],
      ['Ma', no('invalid_date')],
      ['März', no('invalid_date')],
      ['n/a', no('null_token')],
    ];
    expect(await checkCases(engine, dobMonthRule, cases, Y)).toEqual([]);
  });

  it('DOBD: day → DD', async () => {
    const cases: RuleCase[] = [
      ['7', '07'],
      ['07', '07'],
      ['31', '31'],
      ['1990-05-17', '17'],
      ['17/05/1990', '17'],
      ['1990-02-30', no('invalid_date')],
      ['32', no('invalid_date')],
      ['0', no('invalid_date')],
      ['1st', no('invalid_date')],
      ['7.0', no('invalid_date')],
      ['-', no('null_token')],
    ];
    expect(await checkCases(engine, dobDayRule, cases, Y)).toEqual([]);
  });
});

describe('date of birth SQL and TypeScript agree on 10,000 messy values', () => {
  const contexts: [string, RuleContext][] = [
    ['no date format', Y],
    ['MDY', { ...Y, dateFormat: 'MDY' }],
    ['DMY', { ...Y, dateFormat: 'DMY' }],
  ];
  it.each(contexts)('dob, %s', async (_name, ctx) => {
    expect(await crossCheck(engine, dobRule, messyValues('dob', 10_000, 601), ctx)).toEqual([]);
  });
  it.each([
    ['dob_year', dobYearRule, 'dobYear', 602],
    ['dob_month', dobMonthRule, 'dobMonth', 603],
    ['dob_day', dobDayRule, 'dobDay', 604],
  ] as const)('%s', async (_name, rule, kind: MessyKind, seed) => {
    expect(await crossCheck(engine, rule, messyValues(kind, 10_000, seed), { ...Y, dateFormat: 'DMY' })).toEqual([]);
  });
});
