import { sqlString, type Engine } from '../engine/duckdb.js';
import { phonePlanRows } from './rules/phone.js';
import { COUNTRY_KEYS, US_STATE_KEYS } from './rules/region.js';

/**
 * Lookup tables the rules' SQL joins, generated from the same data their TypeScript references use
 * (libphonenumber-js metadata, i18n-iso-countries, the US state list). Joins on these small tables are fast in
 * DuckDB; per-value JavaScript functions or large constant CASE/MAP expressions are not.
 */
interface LookupTable {
  /** Column definitions of the VALUES list, in order. */
  columns: readonly string[];
  rows(): string[][];
}

const list = (numbers: readonly number[]) => `[${numbers.join(', ')}]::INTEGER[]`;

export const LOOKUP_TABLES: Readonly<Record<string, LookupTable>> = {
  /** Key: a country (alpha-2, 'GB') or '+' and 1-3 digits starting with a calling code ('+44', '+447'). */
  au_phone_plan: {
    columns: ['key VARCHAR', 'calling_code VARCHAR', 'national_prefix VARCHAR', 'lengths INTEGER[]', 'min_len INTEGER', 'max_len INTEGER'],
    rows: () =>
      phonePlanRows().map(({ key, plan }) => [
        sqlString(key),
        sqlString(plan.callingCode),
        sqlString(plan.nationalPrefix),
        list(plan.lengths),
        String(plan.lengths[0]),
        String(plan.lengths[plan.lengths.length - 1]),
      ]),
  },
  /** Key: `asciiKey` of a code or name ('us', 'usa', 'unitedstates'); alpha2 upper-case. */
  au_country_name: {
    columns: ['key VARCHAR', 'alpha2 VARCHAR'],
    rows: () => [...COUNTRY_KEYS].map(([key, alpha2]) => [sqlString(key), sqlString(alpha2)]),
  },
  /** Key: `asciiKey` of a US state code or name ('ny', 'newyork'); code upper-case. */
  au_us_state: {
    columns: ['key VARCHAR', 'code VARCHAR'],
    rows: () => [...US_STATE_KEYS].map(([key, code]) => [sqlString(key), sqlString(code)]),
  },
};

/**
 * Creates the named lookup tables (default: all) as TEMP tables of the engine's connection, unless they exist.
 * Each is one CREATE ... IF NOT EXISTS statement, so calling this again, or concurrently, is harmless.
 */
export async function createLookupTables(engine: Engine, names?: readonly string[]): Promise<void> {
  const wanted = [...new Set(names ?? Object.keys(LOOKUP_TABLES))];
  const unknown = wanted.filter((name) => !(name in LOOKUP_TABLES));
  if (unknown.length) throw new Error(`unknown lookup table(s): ${unknown.join(', ')}`);
  const existing = new Set(
    (await engine.all<{ table_name: string }>(`SELECT table_name FROM duckdb_tables() WHERE temporary`)).map((r) => r.table_name),
  );
  for (const name of wanted) {
    if (existing.has(name)) continue;
    const table = LOOKUP_TABLES[name]!;
    const names = table.columns.map((c) => c.split(' ')[0]!);
    const casts = table.columns.map((c) => {
      const [column, type] = c.split(' ') as [string, string];
      return `${column}::${type} AS ${column}`;
    });
    const values = table.rows().map((row) => `(${row.join(', ')})`);
    await engine.run(
      `CREATE TEMP TABLE IF NOT EXISTS ${name} AS SELECT ${casts.join(', ')} FROM (VALUES ${values.join(',\n')}) AS v(${names.join(', ')})`,
    );
  }
}
