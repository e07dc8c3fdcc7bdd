import { INTEGER, LIST, listValue } from '@duckdb/node-api';
import type { Engine } from '../engine/duckdb.js';
import { phonePlanRows } from './rules/phone.js';
import { COUNTRY_KEYS, US_STATE_KEYS } from './rules/region.js';

/**
 * Lookup tables the rules' SQL joins, generated from the same data their TypeScript references use
 * (libphonenumber-js metadata, i18n-iso-countries, the US state list). Joins on these small tables are fast in
 * DuckDB; per-value JavaScript functions or large constant CASE/MAP expressions are not.
 */
type LookupColumnType = 'VARCHAR' | 'INTEGER' | 'INTEGER[]';
type LookupCell = string | number | readonly number[];

interface LookupTable {
  columns: readonly { name: string; type: LookupColumnType }[];
  rows(): LookupCell[][];
}

export const LOOKUP_TABLES: Readonly<Record<string, LookupTable>> = {
  /** Key: a country (alpha-2, 'GB') or '+' and 1-3 digits starting with a calling code ('+44', '+447'). */
  au_phone_plan: {
    columns: [
      { name: 'key', type: 'VARCHAR' },
      { name: 'calling_code', type: 'VARCHAR' },
      { name: 'national_prefix', type: 'VARCHAR' },
      { name: 'lengths', type: 'INTEGER[]' },
      { name: 'min_len', type: 'INTEGER' },
      { name: 'max_len', type: 'INTEGER' },
    ],
    rows: () =>
      phonePlanRows().map(({ key, plan }) => [key, plan.callingCode, plan.nationalPrefix, plan.lengths, plan.lengths[0]!, plan.lengths[plan.lengths.length - 1]!]),
  },
  /** Key: `asciiKey` of a code or name ('us', 'usa', 'unitedstates'); alpha2 upper-case. */
  au_country_name: {
    columns: [
      { name: 'key', type: 'VARCHAR' },
      { name: 'alpha2', type: 'VARCHAR' },
    ],
    rows: () => [...COUNTRY_KEYS],
  },
  /** Key: `asciiKey` of a US state code or name ('ny', 'newyork'); code upper-case. */
  au_us_state: {
    columns: [
      { name: 'key', type: 'VARCHAR' },
      { name: 'code', type: 'VARCHAR' },
    ],
    rows: () => [...US_STATE_KEYS],
  },
};

/**
 * Per engine, the tables created or being created, and the last creation: they run one after the other, since
 * statements and an appender must not interleave on one connection; concurrent calls wait for the same creation.
 */
const created = new WeakMap<Engine, { tables: Map<string, Promise<void>>; last: Promise<void> }>();

/**
 * Creates the named lookup tables (default: all) as TEMP tables of the engine's connection, unless they exist.
 * Calling this again, or concurrently, is harmless.
 */
export async function createLookupTables(engine: Engine, names?: readonly string[]): Promise<void> {
  const wanted = [...new Set(names ?? Object.keys(LOOKUP_TABLES))];
  const unknown = wanted.filter((name) => !(name in LOOKUP_TABLES));
  if (unknown.length) throw new Error(`unknown lookup table(s): ${unknown.join(', ')}`);
  let state = created.get(engine);
  if (!state) created.set(engine, (state = { tables: new Map(), last: Promise.resolve() }));
  for (const name of wanted) {
    if (state.tables.has(name)) continue;
    const creation = state.last.then(() => createLookupTable(engine, name, LOOKUP_TABLES[name]!));
    const { tables } = state;
    // A failed creation may be tried again, and does not hold up the next one.
    state.last = creation.catch(() => void tables.delete(name));
    tables.set(name, creation);
  }
  await Promise.all(wanted.map((name) => state.tables.get(name)));
}

/**
 * Rows go in through DuckDB's appender: the same rows as one VALUES statement took 70 ms to parse and bind (the phone
 * plan's 1,100 rows), a sixth of a small transform.
 */
async function createLookupTable(engine: Engine, name: string, table: LookupTable): Promise<void> {
  // Once per engine (`created`), and dropped again on failure: the table cannot exist yet.
  await engine.run(`CREATE TEMP TABLE ${name} (${table.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  try {
    const appender = await engine.connection.createAppender(name, 'main', 'temp');
    try {
      for (const row of table.rows()) {
        row.forEach((cell, i) => {
          const type = table.columns[i]!.type;
          if (type === 'VARCHAR') appender.appendVarchar(cell as string);
          else if (type === 'INTEGER') appender.appendInteger(cell as number);
          else appender.appendList(listValue([...(cell as readonly number[])]), LIST(INTEGER));
        });
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  } catch (error) {
    // No half-filled table stays behind to be taken for a complete one.
    await engine.run(`DROP TABLE IF EXISTS ${name}`);
    throw error;
  }
}
