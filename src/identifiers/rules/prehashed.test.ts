import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { messyValues } from '../../testing/messy-values.js';
import { checkCases, crossCheck, openTestEngine, rejected as no, sha256Hex, type RuleCase } from '../../testing/rule-sql.js';
import { sqlString } from '../../engine/duckdb.js';
import { detectPrehashed, prehashedFromCounts, prehashedRule, sqlPrehashCounts } from './prehashed.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

const h = sha256Hex('mary@example.com');

describe('pre-hashed table cases', () => {
  it('passes SHA-256 hex through lower-cased, never hashes again', async () => {
    const cases: RuleCase[] = [
      [h, h],
      [h.toUpperCase(), h],
      [` ${h}\t`, h],
      ['\uFEFF' + h, h],
      [h.slice(1), no('not_sha256')],
      [`${h}0`, no('not_sha256')],
      [`0x${h}`, no('not_sha256')],
      [h.replace(/[a-f]/, 'g'), no('not_sha256')],
      [`${h.slice(0, 32)} ${h.slice(32)}`, no('not_sha256')],
      ['mary@example.com', no('not_sha256')],
      ['null', no('null_token')],
      [null, no('empty')],
    ];
    expect(await checkCases(engine, prehashedRule, cases, {})).toEqual([]);
  });
});

describe('detectPrehashed', () => {
  const hashes = (n: number) => Array.from({ length: n }, (_, i) => sha256Hex(`user${i}@example.com`));
  it('decides by the majority of non-empty values', () => {
    expect(detectPrehashed(hashes(100))).toEqual({ prehashed: true, mixed: false, hexShare: 1 });
    expect(detectPrehashed(['a@example.com', 'b@example.com'])).toEqual({ prehashed: false, mixed: false, hexShare: 0 });
    expect(detectPrehashed([...hashes(60), ...Array.from({ length: 40 }, (_, i) => `u${i}@example.com`)])).toEqual({ prehashed: true, mixed: true, hexShare: 0.6 });
    expect(detectPrehashed([...hashes(10), ...Array.from({ length: 90 }, (_, i) => `u${i}@example.com`)])).toMatchObject({ prehashed: false, mixed: true });
  });
  it('ignores empty cells and placeholders, and calls small minorities noise', () => {
    expect(detectPrehashed([...hashes(3), '', '  ', 'nan', 'None', null, undefined])).toEqual({ prehashed: true, mixed: false, hexShare: 1 });
    expect(detectPrehashed([...hashes(97), 'x', 'y', 'z'])).toMatchObject({ prehashed: true, mixed: false });
    expect(detectPrehashed([])).toEqual({ prehashed: false, mixed: false, hexShare: 0 });
    expect(detectPrehashed([` ${hashes(1)[0]!.toUpperCase()} `]).prehashed).toBe(true);
  });
});

describe('sqlPrehashCounts', () => {
  const hashes = (n: number) => Array.from({ length: n }, (_, i) => sha256Hex(`user${i}@example.com`));
  const inSql = async (values: readonly (string | null)[]) => {
    const list = `[${values.map((v) => (v === null ? 'NULL' : sqlString(v))).join(', ')}]::VARCHAR[]`;
    const [row] = await engine.all<{ non_empty: bigint; hex: bigint }>(sqlPrehashCounts(`SELECT unnest(${list}) AS v`));
    return prehashedFromCounts(Number(row!.non_empty), Number(row!.hex));
  };
  it('decides as detectPrehashed does, on the same values', async () => {
    const messy = messyValues('prehashed', 2_000, 77);
    for (const values of [
      hashes(50),
      [...hashes(30), ...messy.slice(0, 20)],
      [...hashes(3), '', '  ', 'nan', 'None', null, ` ${hashes(1)[0]!.toUpperCase()}\t`, '\uFEFF' + hashes(1)[0]!],
      messy,
      [],
    ]) {
      expect(await inSql(values)).toEqual(detectPrehashed(values));
    }
  });
});

describe('pre-hashed SQL and TypeScript agree on 10,000 messy values', () => {
  it('prehashed', async () => {
    expect(await crossCheck(engine, prehashedRule, messyValues('prehashed', 10_000, 901), {})).toEqual([]);
  });
});
