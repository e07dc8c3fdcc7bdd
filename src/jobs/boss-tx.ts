import type { Queryable } from '../db/database.js';

/** Lets pg-boss write its job rows inside one of our transactions, so a queued message commits with our state. */
export function bossTx(tx: Queryable): { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } {
  return { executeSql: async (text, values) => ({ rows: await tx.query(text, values) }) };
}
