import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, type RuleCase } from '../../testing/rule-sql.js';
import { externIdRule } from './extern-id.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

describe('external id table cases (Meta EXTERN_ID, Google thirdPartyUserId)', () => {
  it('trims and keeps everything else, case included', async () => {
    const cases: RuleCase[] = [
      ['CUST-000123', 'CUST-000123'],
      ['  CUST-000123\u00a0', 'CUST-000123'],
      ['abc DEF 42', 'abc DEF 42'],
      ['00042', '00042'],
      ['user_7@example.com', 'user_7@example.com'],
      ['Zoë-7', 'Zoë-7'],
      ['ID😀', 'ID😀'],
      ['a\tb', no('invalid_extern_id')],
      ['line\nbreak', no('invalid_extern_id')],
      ['del\u007f', no('invalid_extern_id')],
      ['c1\u0085x', no('invalid_extern_id')],
      ['nan', no('null_token')],
      [' ', no('empty')],
    ];
    expect(await checkCases(engine, externIdRule, cases, {})).toEqual([]);
  });
});

describe('external id SQL and TypeScript agree on 10,000 messy values', () => {
  it('extern_id', async () => {
    expect(await crossCheck(engine, externIdRule, messyValues('externId', 10_000, 801), {})).toEqual([]);
  });
});
