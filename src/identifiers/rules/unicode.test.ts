import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../engine/duckdb.js';
import { openTestEngine } from '../../testing/rule-sql.js';
import { WHITESPACE_CLASS, asciiKey, lowerLikeSql, re2View, sqlAsciiKey, sqlLower, sqlTrim } from './common.js';

/*
 * The TypeScript references and the SQL only agree if JavaScript and DuckDB classify characters alike. Node's
 * ICU is newer than DuckDB's tables; common.ts carries the difference as two lists. These tests recompute the
 * difference from the running Node and DuckDB over every assigned plane, so an upgrade of either tells us here
 * (with the new list) instead of as a silent drift in hashes.
 */

let engine: Engine;
let close: () => void;
beforeAll(async () => ({ engine, close } = await openTestEngine()));
afterAll(() => close());

const CLASSES = ['L', 'M', 'N', 'Cc'] as const;

interface CodePointRow {
  c: number;
  lower_hex: string;
  key: string;
  ws: boolean;
  L: boolean;
  M: boolean;
  N: boolean;
  Cc: boolean;
}

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex').toUpperCase();
const ranges = (cps: number[]) => {
  const out: string[] = [];
  for (let i = 0; i < cps.length; ) {
    let j = i;
    while (j + 1 < cps.length && cps[j + 1] === cps[j]! + 1) j++;
    const h = (n: number) => `\\\\u{${n.toString(16)}}`;
    out.push(i === j ? h(cps[i]!) : `${h(cps[i]!)}-${h(cps[j]!)}`);
    i = j + 1;
  }
  return out.join('');
};

describe('Unicode agreement of the TypeScript helpers with DuckDB', () => {
  it('classifies, lower-cases, trims and keys every code point alike', async () => {
    // Planes 0-3 hold every assigned letter, mark and digit; plane 14 has tags and variation selectors.
    const rows = await engine.all<CodePointRow>(`
      WITH cp AS (SELECT range::INTEGER AS c FROM range(1, 262144) UNION ALL SELECT range::INTEGER FROM range(917504, 921600)),
      ch AS (SELECT c, chr(c) AS s FROM cp WHERE c NOT BETWEEN 55296 AND 57343)
      SELECT c, hex(encode(${sqlLower('s')})) AS lower_hex, ${sqlAsciiKey('s')} AS key,
        regexp_matches(s, '^${WHITESPACE_CLASS}$') AS ws,
        ${CLASSES.map((k) => `regexp_matches(s, '^\\p{${k}}$') AS "${k}"`).join(', ')}
      FROM ch ORDER BY c`);
    expect(rows.length).toBeGreaterThan(250_000);
    const unknown: number[] = [];
    const lowerDiffs: string[] = [];
    const other: string[] = [];
    const classRes = CLASSES.map((k) => [k, new RegExp(`^\\p{${k}}$`, 'u')] as const);
    for (const row of rows) {
      const ch = String.fromCodePoint(row.c);
      const view = re2View(ch);
      const jsAny = classRes.some(([, re]) => re.test(ch));
      const re2Any = CLASSES.some((k) => row[k]);
      if (jsAny && !re2Any) unknown.push(row.c);
      for (const [k, re] of classRes) {
        if (re.test(view) !== row[k]) other.push(`U+${row.c.toString(16)} \\p{${k}}: JavaScript ${re.test(view)}, RE2 ${row[k]}`);
      }
      if (hex(lowerLikeSql(ch)) !== row.lower_hex) lowerDiffs.push(`U+${row.c.toString(16)}`);
      if (/^\s$/u.test(ch) !== row.ws) other.push(`U+${row.c.toString(16)} whitespace: JavaScript ${/^\s$/u.test(ch)}, RE2 ${row.ws}`);
      if (asciiKey(ch) !== row.key) other.push(`U+${row.c.toString(16)} asciiKey: ${JSON.stringify(asciiKey(ch))} vs ${JSON.stringify(row.key)}`);
    }
    const hint = `if Node or DuckDB was upgraded, set RE2_UNKNOWN_CHARS in common.ts to '${ranges(unknown)}'`;
    expect(other.slice(0, 20), hint).toEqual([]);
    expect(lowerDiffs.slice(0, 20), 'lowerLikeSql differs from sqlLower; update DUCKDB_LOWER_UNKNOWN_CHARS in common.ts').toEqual([]);
  });

  it('lower-cases words with capital sigma and dotted I alike', async () => {
    const words = ['ΟΔΟΣ', 'ΟΔΟΣ ΑΣ', 'Σ', 'ΣΑ', 'ΑΣΣ', 'ΑΣ1', 'ΑΣ.Β', 'ΑΣ\u0301', 'ΑΣ\u0301Β', 'Α\u0301Σ', "Α'Σ", 'ὈΔΥΣΣΕΎΣ', 'ΣΑΣ ΣΑΣ', 'İSTANBUL', 'I\u0307', 'ΑΣ\u{10D50}', '\u{10D50}Σ', 'ΑΣ中', 'x\uFEFFy'];
    const rows = await engine.all<{ i: number; v: string }>(
      `SELECT i, ${sqlLower('w')} AS v FROM (SELECT unnest(range(${words.length}))::INTEGER AS i, unnest([${words.map((w) => `'${w.replaceAll("'", "''")}'`).join(', ')}]) AS w) ORDER BY i`,
    );
    expect(rows.map((r) => r.v)).toEqual(words.map(lowerLikeSql));
    expect(lowerLikeSql('ΟΔΟΣ')).toBe('οδος');
    expect(lowerLikeSql('ΑΣΣ')).toBe('ασς');
    expect(lowerLikeSql('ΣΑ')).toBe('σα');
    expect(lowerLikeSql('İSTANBUL')).toBe('istanbul');
  });

  it('trims like String.prototype.trim with any code point first or last (sqlTrim skips its regex for some)', async () => {
    const rows = await engine.all<{ c: number; v1: string; v2: string; v3: string; v4: string }>(`
      WITH cp AS (SELECT range::INTEGER AS c FROM range(1, 262144) UNION ALL SELECT range::INTEGER FROM range(917504, 921600)),
      ch AS (SELECT c, chr(c) AS s FROM cp WHERE c NOT BETWEEN 55296 AND 57343),
      forms AS (SELECT c, s AS w1, s || 'x' AS w2, 'x' || s AS w3, s || ' x ' || s AS w4 FROM ch)
      SELECT c, ${sqlTrim('w1')} AS v1, ${sqlTrim('w2')} AS v2, ${sqlTrim('w3')} AS v3, ${sqlTrim('w4')} AS v4 FROM forms ORDER BY c`);
    expect(rows.length).toBeGreaterThan(250_000);
    const diffs: string[] = [];
    for (const row of rows) {
      const ch = String.fromCodePoint(row.c);
      const expected = [ch, `${ch}x`, `x${ch}`, `${ch} x ${ch}`].map((w) => w.trim());
      if ([row.v1, row.v2, row.v3, row.v4].some((v, i) => v !== expected[i])) diffs.push(`U+${row.c.toString(16)}`);
    }
    expect(diffs.slice(0, 20)).toEqual([]);
  });

  it("keeps the number of code points in DuckDB's lower() (sqlPrecheckReason relies on it)", async () => {
    const rows = await engine.all<{ c: number }>(`
      WITH cp AS (SELECT range::INTEGER AS c FROM range(1, 1114112) WHERE c NOT BETWEEN 55296 AND 57343)
      SELECT c FROM cp WHERE length(lower(chr(c))) <> 1 ORDER BY c LIMIT 20`);
    expect(rows.map((r) => `U+${r.c.toString(16)}`)).toEqual([]);
  });

  it('trims every whitespace JavaScript trims, and nothing else', async () => {
    const samples = ['\u000b x \u000b', '\u00a0x\u3000', '\uFEFFx\u2028', '\u200Bx\u200B', '\u180Ex', 'x\u0085'];
    const rows = await engine.all<{ i: number; v: string }>(
      `SELECT i, ${sqlTrim('w')} AS v FROM (SELECT unnest(range(${samples.length}))::INTEGER AS i, unnest([${samples.map((w) => `'${w}'`).join(', ')}]) AS w) ORDER BY i`,
    );
    expect(rows.map((r) => r.v)).toEqual(samples.map((s) => s.trim()));
  });
});
