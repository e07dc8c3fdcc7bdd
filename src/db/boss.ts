import type { Executor } from './database.js';

/** What pg-boss 10 calls on its `db` option (`PgBoss.Db`). */
export interface BossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Lets pg-boss 10 run on our Database, PGlite or PostgreSQL alike: `new PgBoss({ db: bossDb(db), schema })`.
 * Pass a transaction instead (`boss.send(name, data, { db: bossDb(tx) })`) to enqueue a job in the same
 * transaction as our own writes, so a step is recorded and the next one scheduled together or not at all.
 *
 * pg-boss sends two kinds of SQL (node_modules/pg-boss/src): parameterized single statements (send, fetch,
 * complete, queue management), and parameterless text that is often several statements (schema creation and
 * migrations, and the maintenance commands wrapped in BEGIN; advisory lock; ...; COMMIT). PGlite's extended
 * protocol refuses several statements, so parameterless text goes through the simple protocol (pg-boss issue #563);
 * the rows returned are those of the last statement, which is what pg-boss reads.
 */
export function bossDb(db: Executor): BossDb {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values && values.length > 0) return { rows: await db.query(text, values) };
      return { rows: await db.simpleQuery(text) };
    },
  };
}
