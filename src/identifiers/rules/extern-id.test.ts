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
  it('trims and keeps everything else, case included; a SHA-256 digest is refused (Meta takes it unhashed)', async () => {
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
      ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', no('extern_id_hashed')],
      [' 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08 ', no('extern_id_hashed')],
      ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0'],
      ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a080', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a080'],
      ['CUST-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'CUST-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
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
