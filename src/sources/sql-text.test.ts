import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlString, type Engine } from '../engine/duckdb.js';
import { castToTextSql, jsonToTextSql, plainNumberSql } from './sql-text.js';
import { TempDir, testEngine } from './test-helpers.js';

let dir: TempDir;
let engine: Engine;
beforeAll(async () => {
  dir = new TempDir();
  engine = await testEngine(dir);
});
afterAll(() => {
  engine.close();
  dir.remove();
});

async function value(sql: string): Promise<string | null> {
  const rows = await engine.all<{ v: string | null }>(`SELECT ${sql} AS v`);
  return rows[0]!.v;
}

describe('plainNumberSql', () => {
  it.each([
    ['15559876543.0', '15559876543'],
    ['1e+20', '100000000000000000000'],
    ['1E20', '100000000000000000000'],
    ['1.2345678901234568e+17', '123456789012345680'],
    ['1.5e-07', '0.00000015'],
    ['-2.5e-3', '-0.0025'],
    ['1.5559876543E10', '15559876543'],
    ['0.15e1', '1.5'],
    ['12.50', '12.5'],
    ['12.00', '12'],
    ['0.00', '0'],
    ['-0.0', '0'],
    ['100', '100'],
    ['00123', '00123'],
    ['123456789012345678901234', '123456789012345678901234'],
    ['nan', 'nan'],
    ['abc', 'abc'],
    ['-', '-'],
  ])('%s -> %s', async (input, expected) => {
    expect(await value(plainNumberSql(sqlString(input)))).toBe(expected);
  });

  it('keeps NULL', async () => {
    expect(await value(plainNumberSql('CAST(NULL AS VARCHAR)'))).toBeNull();
  });
});

describe('castToTextSql', () => {
  it.each([
    ['15559876543.0::DOUBLE', 'DOUBLE', '15559876543'],
    ['15559876543::BIGINT', 'BIGINT', '15559876543'],
    ['1e20::DOUBLE', 'DOUBLE', '100000000000000000000'],
    ['0.1::DOUBLE', 'DOUBLE', '0.1'],
    ['3.0::FLOAT', 'FLOAT', '3'],
    ['12.00::DECIMAL(10,2)', 'DECIMAL(10,2)', '12'],
    ['12.50::DECIMAL(10,2)', 'DECIMAL(10,2)', '12.5'],
    ['12345678901234567890::DECIMAL(38,0)', 'DECIMAL(38,0)', '12345678901234567890'],
    ["DATE '1990-05-17'", 'DATE', '1990-05-17'],
    ["TIMESTAMP '2024-01-02 03:04:05'", 'TIMESTAMP', '2024-01-02T03:04:05'],
    ["TIMESTAMPTZ '2024-01-02 03:04:05+02'", 'TIMESTAMP WITH TIME ZONE', '2024-01-02T01:04:05Z'],
    ['true', 'BOOLEAN', 'true'],
    ["'abc'::BLOB", 'BLOB', 'abc'],
    ["'\\xFF\\x00'::BLOB", 'BLOB', 'FF00'],
    ["{'a': 1, 'b': 'x'}", 'STRUCT(a INTEGER, b VARCHAR)', '{"a":1,"b":"x"}'],
    ['[1, 2]', 'INTEGER[]', '[1,2]'],
    ["'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'::UUID", 'UUID', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'],
    ["'x'", 'VARCHAR', 'x'],
  ])('%s (%s) -> %s', async (expr, type, expected) => {
    expect(await value(castToTextSql(`(${expr})`, type))).toBe(expected);
  });
});

describe('jsonToTextSql', () => {
  it.each([
    ['"00123"', '00123'],
    ['"a\\"b\\u00e9"', 'a"bé'],
    ['15559876543', '15559876543'],
    ['15559876543.0', '15559876543'],
    ['1.5559876543E10', '15559876543'],
    ['123456789012345678901234', '123456789012345678901234'],
    ['true', 'true'],
    ['{"x": [1, 2]}', '{"x":[1,2]}'],
    ['null', null],
  ])('%s -> %s', async (json, expected) => {
    expect(await value(jsonToTextSql(`json(${sqlString(json)})`))).toBe(expected);
  });
});
