import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { beforeAll, beforeEach } from 'vitest';
import { openDatabase } from './database.js';
import type { Database } from './database.js';

/**
 * Test support: the same suite runs on the embedded PGlite database and on a real PostgreSQL server. Each target
 * is a fresh, empty database: a temp folder, or a database `au_test_<random>` created through the server's
 * `postgres` database (AU_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) and dropped by
 * `cleanup`. No server is no skip: creating the target fails, and so do the PostgreSQL tests.
 */
export const BACKENDS = ['pglite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

export const ADMIN_URL = process.env.AU_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestTarget {
  kind: Backend;
  /** The data folder (PGlite's database lives in `<dataDir>/db`). */
  dataDir: string;
  /** The PostgreSQL URL, for the postgres target. */
  url?: string;
  /** Opens this target's database (migrated unless `migrate: false`). */
  open(options?: { migrate?: boolean }): Promise<Database>;
  /** Closes what `open` returned and was not closed, and deletes the database. */
  cleanup(): Promise<void>;
}

/**
 * An empty PGlite cluster (initdb only, no migrations) kept in the temp folder per PGlite version and copied for
 * each test target: initdb costs about 2 s of CPU, a copy 50 ms. Built in a private folder and renamed into place,
 * so a concurrent test file never sees half of one.
 */
async function pgliteTemplate(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string };
  const template = join(tmpdir(), `au-test-pglite-${pkg.version}`);
  if (await stat(join(template, 'PG_VERSION')).then(() => true, () => false)) return template;
  const building = `${template}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await mkdir(building, { recursive: true });
  const pglite = await PGlite.create(building);
  await pglite.close();
  try {
    await rename(building, template);
  } catch {
    // another test file finished first: use theirs
    await rm(building, { recursive: true, force: true });
  }
  return template;
}

/** A fresh, empty database on the test PostgreSQL server, and how to drop it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `au_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end().catch(() => {});
  }
  const parsed = new URL(ADMIN_URL);
  parsed.pathname = `/${name}`;
  return {
    url: parsed.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function createTarget(kind: Backend): Promise<TestTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'au-db-test-'));
  if (kind === 'pglite') await cp(await pgliteTemplate(), join(dataDir, 'db'), { recursive: true });
  const opened: Database[] = [];
  let url: string | undefined;
  let dropDatabase = async (): Promise<void> => {};
  if (kind === 'postgres') {
    try {
      ({ url, drop: dropDatabase } = await createTestDatabase());
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  return {
    kind,
    dataDir,
    url,
    async open(options = {}) {
      const db = await openDatabase({ url, dataDir, migrate: options.migrate });
      opened.push(db);
      return db;
    },
    async cleanup() {
      for (const db of opened) await db.close().catch(() => {});
      await dropDatabase();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * beforeAll whose failure fails every test of the block with its error (vitest would only mark them skipped): an
 * unreachable PostgreSQL server must show as failed tests.
 */
export function beforeAllOrFail(setup: () => Promise<void>): void {
  let failure: { error: unknown } | undefined;
  beforeAll(async () => {
    try {
      await setup();
    } catch (error) {
      failure = { error };
    }
  });
  beforeEach(() => {
    if (failure) throw failure.error;
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
