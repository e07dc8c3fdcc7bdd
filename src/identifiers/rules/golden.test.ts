import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { GOLDEN_VECTORS, KNOWN_WRONG } from '../../testing/golden-vectors.js';
import { openTestEngine, runRuleSql, runRuleTs, sha256Hex } from '../../testing/rule-sql.js';

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

const rowCountries = (rowCountry?: string) => (rowCountry === undefined ? undefined : [rowCountry]);

describe('golden vectors of platforms.md section 2', () => {
  it.each(GOLDEN_VECTORS.map((v) => [`${v.label}: ${JSON.stringify(v.input)}`, v] as const))('%s', async (_name, v) => {
    // The vector itself: the documented hash is the SHA-256 of the documented normalized value.
    expect(sha256Hex(v.normalized)).toBe(v.sha256);

    const [ts] = runRuleTs(v.rule, [v.input], v.ctx, rowCountries(v.rowCountry));
    expect(ts).toEqual({ ok: true, value: v.normalized });
    expect(sha256Hex(ts!.ok ? ts!.value : '')).toBe(v.sha256);

    const [sqlValue] = await runRuleSql(engine, v.rule, [v.input], v.ctx, rowCountries(v.rowCountry));
    expect(sqlValue).toEqual({ ok: true, value: v.normalized });
    const [sqlHash] = await runRuleSql(engine, v.rule, [v.input], v.ctx, rowCountries(v.rowCountry), { hash: true });
    expect(sqlHash).toEqual({ ok: true, value: v.sha256 });
  });
});

describe('known-wrong outputs never appear', () => {
  it.each(KNOWN_WRONG.map((w) => [w.label, w] as const))('%s', async (_name, w) => {
    if (w.wrongHashOf !== undefined) expect(sha256Hex(w.wrongHashOf).startsWith(w.wrongHashPrefix!)).toBe(true);
    const [ts] = runRuleTs(w.rule, [w.input], w.ctx, rowCountries(w.rowCountry));
    const [sql] = await runRuleSql(engine, w.rule, [w.input], w.ctx, rowCountries(w.rowCountry));
    const [sqlHash] = await runRuleSql(engine, w.rule, [w.input], w.ctx, rowCountries(w.rowCountry), { hash: true });
    for (const outcome of [ts!, sql!]) {
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) continue;
      if (w.wrongValue !== undefined) expect(outcome.value).not.toBe(w.wrongValue);
      if (w.wrongHashPrefix !== undefined) expect(sha256Hex(outcome.value).startsWith(w.wrongHashPrefix)).toBe(false);
    }
    expect(sqlHash!.ok && sqlHash!.value.startsWith(w.wrongHashPrefix ?? '-')).toBe(false);
  });
});

