import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AuError } from '../errors.js';
import type { Database, Queryable, Transaction } from './database.js';

/** The migrations shipped with this version: `NNN_name.sql`, applied in the order of their number. */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Every migrator takes this transaction-scoped advisory lock first, so concurrent starts never collide. */
const MIGRATION_LOCK_KEY = 4_155_510_017;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrateResult {
  /** Schema version before (0: empty database). */
  from: number;
  to: number;
  applied: number[];
}

const FILE_NAME = /^(\d+)_([\w-]+)\.sql$/;

export async function loadMigrations(directory: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const path = fileURLToPath(directory);
  const migrations: Migration[] = [];
  for (const file of await readdir(path)) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    migrations.push({ version: Number(match[1]), name: file.replace(/\.sql$/, ''), sql: await readFile(new URL(file, directory), 'utf8') });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new AuError('AU_INTERNAL', `Two migrations have the number ${migrations[i]!.version}: ${migrations[i - 1]!.name}, ${migrations[i]!.name}`);
    }
  }
  return migrations;
}

const CREATE_VERSION_TABLE = `
  CREATE TABLE IF NOT EXISTS au_schema_version (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/** The schema version of the database: the newest migration applied, 0 for an empty database. */
export async function schemaVersion(q: Queryable): Promise<number> {
  const [table] = await q.query<{ exists: boolean }>(`SELECT to_regclass('au_schema_version') IS NOT NULL AS exists`);
  if (!table?.exists) return 0;
  const [row] = await q.query<{ version: number | null }>('SELECT max(version) AS version FROM au_schema_version');
  return row?.version ?? 0;
}

function refuseNewer(current: number, latest: number): never {
  throw new AuError(
    'AU_DB_SCHEMA_NEWER',
    `The database was created by a newer version of Audience Uploader (schema ${current}, this version knows up to ${latest}); upgrade Audience Uploader to use it.`,
    { schema: current, known: latest },
  );
}

async function lockedVersion(tx: Transaction): Promise<number> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
  await tx.exec(CREATE_VERSION_TABLE);
  return schemaVersion(tx);
}

/**
 * Applies the pending migrations, each in its own transaction that first takes the migration lock and re-reads
 * the version, so several processes starting at once apply each migration exactly once. A database whose schema
 * is newer than the newest migration here is refused (AU_DB_SCHEMA_NEWER): this code would misread it.
 */
export async function migrate(db: Database, options: { directory?: URL } = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.directory);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const from = await db.transaction(async (tx) => {
    const current = await lockedVersion(tx);
    if (current > latest) refuseNewer(current, latest);
    return current;
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    const didApply = await db.transaction(async (tx) => {
      const current = await lockedVersion(tx);
      if (current > latest) refuseNewer(current, latest);
      if (current >= migration.version) return false; // another process applied it meanwhile
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new AuError('AU_DB_MIGRATION_FAILED', `Database migration ${migration.name} failed: ${(error as Error).message}`, { migration: migration.name }, { cause: error });
      }
      await tx.query('INSERT INTO au_schema_version (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return { from, to: Math.max(from, latest), applied };
}
