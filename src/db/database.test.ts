import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AuError } from '../errors.js';
import { openDatabase } from './database.js';
import type { Database } from './database.js';
import { loadMigrations, migrate, schemaVersion } from './migrate.js';
import { BACKENDS, beforeAllOrFail, createTarget, sleep } from './test-kit.js';
import type { TestTarget } from './test-kit.js';

const TABLES = [
  'api_tokens', 'audiences', 'audit_log', 'batches', 'datasets', 'destination_credentials', 'destinations', 'jobs',
  'rate_limits', 'request_limits', 'saved_mappings', 'schedules', 'users',
];

async function expectAuError(promise: Promise<unknown>, code: string): Promise<AuError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuError);
  expect((error as AuError).code).toBe(code);
  return error as AuError;
}

describe.each(BACKENDS)('database on %s', (kind) => {
  let target: TestTarget;
  let db: Database;
  let versions: number[];
  let latest: number;

  beforeAllOrFail(async () => {
    versions = (await loadMigrations()).map((m) => m.version);
    latest = versions.at(-1)!;
    target = await createTarget(kind);
  });
  afterAll(async () => {
    await target?.cleanup();
  });

  it('migrates an empty database once, even with concurrent migrators', async () => {
    // On PostgreSQL, separate pools race for real; on PGlite, calls on the one connection interleave.
    const first = await target.open({ migrate: false });
    const second = kind === 'postgres' ? await target.open({ migrate: false }) : first;
    try {
      expect(await schemaVersion(first)).toBe(0);
      const results = await Promise.all([migrate(first), migrate(second), migrate(first), migrate(second)]);
      // Every migration applied exactly once, by one of the migrators.
      expect(results.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual(versions);
      expect(results.every((r) => r.to === latest)).toBe(true);
      const tables = await first.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['au_schema_version', ...TABLES]));
      const applied = await first.query<{ version: number; name: string }>('SELECT version, name FROM au_schema_version ORDER BY version');
      expect(applied.map((row) => row.version)).toEqual(versions);
      expect(applied[0]).toEqual({ version: 1, name: '001_initial' });
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('opens again without applying anything', async () => {
    db = await target.open();
    expect(db.kind).toBe(kind);
    expect(await schemaVersion(db)).toBe(latest);
    expect(await migrate(db)).toEqual({ from: latest, to: latest, applied: [] });
  });

  it('parses values the same way on both backends', async () => {
    const [row] = await db.query(
      `SELECT 9007199254740991::int8 AS big, count(*) AS n, ARRAY[1, 2]::int8[] AS bigs, ARRAY[3]::int[] AS ints,
              '{"a": [1]}'::jsonb AS j, $1::jsonb AS param, '\\x0102'::bytea AS b, now() AS t, 1.5::numeric AS num`,
      [JSON.stringify({ list: [1, 'x'] })],
    );
    expect(row).toMatchObject({ big: 9007199254740991, n: 1, bigs: [1, 2], ints: [3], j: { a: [1] }, param: { list: [1, 'x'] }, num: '1.5' });
    expect(row!.t).toBeInstanceOf(Date);
    expect([...(row!.b as Uint8Array)]).toEqual([1, 2]);
  });

  it('commits a transaction and rolls it back when the callback throws', async () => {
    const committed = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO audit_log (actor, action) VALUES ('cli', 'test.commit')`);
      return (await tx.query<{ n: number }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'test.commit'`))[0]!.n;
    });
    expect(committed).toBe(1);

    const thrown = new Error('stop');
    let leaked: Parameters<Parameters<Database['transaction']>[0]>[0] | undefined;
    await expect(
      db.transaction(async (tx) => {
        leaked = tx;
        await tx.query(`INSERT INTO audit_log (actor, action) VALUES ('cli', 'test.rollback')`);
        await tx.exec(`INSERT INTO audit_log (actor, action) VALUES ('cli', 'test.rollback'); INSERT INTO audit_log (actor, action) VALUES ('cli', 'test.rollback')`);
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(await db.query(`SELECT 1 FROM audit_log WHERE action = 'test.rollback'`)).toEqual([]);
    // A transaction handle that escaped its callback is refused rather than running outside the transaction.
    await expectAuError(leaked!.query('SELECT 1'), 'AU_INTERNAL');

    // A failing statement inside rolls back everything, and the connection stays usable.
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO audit_log (actor, action) VALUES ('cli', 'test.rollback')`);
        await tx.query('SELECT 1/0');
      }),
    ).rejects.toThrow(/division by zero/);
    expect(await db.query(`SELECT 1 FROM audit_log WHERE action = 'test.rollback'`)).toEqual([]);
  });

  it('refuses to report a transaction whose failed statement was caught inside as committed', async () => {
    const error = await expectAuError(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO audit_log (actor, action) VALUES ('cli', 'test.swallowed')`);
        await tx.query('SELECT 1/0').catch(() => {});
        return 'looks fine';
      }),
      'AU_INTERNAL',
    );
    expect(error.message).toMatch(/rolled back/);
    expect(await db.query(`SELECT 1 FROM audit_log WHERE action = 'test.swallowed'`)).toEqual([]);
  });

  it('recovers from multi-statement SQL that fails inside its own BEGIN', async () => {
    await expect(db.exec(`BEGIN; INSERT INTO audit_log (actor, action) VALUES ('cli', 'test.exec'); SELECT 1/0; COMMIT;`)).rejects.toThrow(/division by zero/);
    expect(await db.query(`SELECT 1 FROM audit_log WHERE action = 'test.exec'`)).toEqual([]);
    expect(await db.simpleQuery<{ x: number }>('SELECT 1 AS x; SELECT 2 AS x')).toEqual([{ x: 2 }]);
  });

  if (kind === 'pglite') it('serializes concurrent transactions and makes queries wait for them (PGlite)', async () => {
    await db.query(`INSERT INTO rate_limits (account) VALUES ('counter') ON CONFLICT DO NOTHING`);
    const events: string[] = [];
    // Read-modify-write with a pause in between: interleaved, increments would be lost.
    const increment = (label: string) =>
      db.transaction(async (tx) => {
        events.push(`${label}:begin`);
        const [row] = await tx.query<{ ms: number }>(`SELECT extract(epoch FROM next_slot_at)::float8 * 1000 AS ms FROM rate_limits WHERE account = 'counter'`);
        await sleep(30);
        await tx.query(`UPDATE rate_limits SET next_slot_at = to_timestamp($1 / 1000.0) WHERE account = 'counter'`, [row!.ms + 1000]);
        events.push(`${label}:end`);
      });
    const [before] = await db.query<{ ms: number }>(`SELECT extract(epoch FROM next_slot_at)::float8 * 1000 AS ms FROM rate_limits WHERE account = 'counter'`);
    const outside = (async () => {
      await sleep(5);
      const rows = await db.query<{ ms: number }>(`SELECT extract(epoch FROM next_slot_at)::float8 * 1000 AS ms FROM rate_limits WHERE account = 'counter'`);
      events.push('query');
      return rows[0]!.ms;
    })();
    await Promise.all([increment('a'), increment('b'), increment('c')]);
    const seen = await outside;
    const [after] = await db.query<{ ms: number }>(`SELECT extract(epoch FROM next_slot_at)::float8 * 1000 AS ms FROM rate_limits WHERE account = 'counter'`);
    expect(Math.round(after!.ms - before!.ms)).toBe(3000);
    expect(events).toEqual(['a:begin', 'a:end', 'b:begin', 'b:end', 'c:begin', 'c:end', 'query']);
    expect(Math.round(seen - before!.ms)).toBe(3000);
  });

  if (kind === 'postgres') it('runs transactions side by side on separate connections (PostgreSQL)', async () => {
    const order: string[] = [];
    await Promise.all([
      db.transaction(async (tx) => {
        await tx.query('SELECT pg_sleep(0.2)');
        order.push('slow');
      }),
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        order.push('fast');
      }),
    ]);
    expect(order).toEqual(['fast', 'slow']);
  });

  it('rolls back a failing migration completely', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'au-migrations-'));
    try {
      await writeFile(join(dir, `${String(latest + 1).padStart(3, '0')}_broken.sql`), 'CREATE TABLE au_should_vanish (id int);\nSELECT 1/0;\n');
      await writeFile(join(dir, 'README.txt'), 'not a migration');
      const error = await expectAuError(migrate(db, { directory: pathToFileURL(`${dir}/`) }), 'AU_DB_MIGRATION_FAILED');
      expect(error.message).toMatch(/_broken failed: division by zero/);
      expect(await schemaVersion(db)).toBe(latest);
      expect(await db.query(`SELECT to_regclass('au_should_vanish') AS t`)).toEqual([{ t: null }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database whose schema is newer than this version', async () => {
    await db.query(`INSERT INTO au_schema_version (version, name) VALUES (999, '999_future')`);
    await db.close();
    const error = await expectAuError(target.open(), 'AU_DB_SCHEMA_NEWER');
    expect(error.message).toContain(`The database was created by a newer version of Audience Uploader (schema 999, this version knows up to ${latest}); upgrade`);
    // The refused open released everything: the database opens again (without migrating) and can be repaired.
    const repair = await target.open({ migrate: false });
    await repair.query('DELETE FROM au_schema_version WHERE version = 999');
    await repair.close();
    db = await target.open();
    expect(await schemaVersion(db)).toBe(latest);
  });

  if (kind === 'pglite') it('lets one process at a time open the embedded database (PGlite)', async () => {
    const error = await expectAuError(openDatabase({ dataDir: target.dataDir }), 'AU_DB_UNAVAILABLE');
    expect(error.message).toMatch(/already open in this process/);
    const lock = join(target.dataDir, 'db.lock');
    expect(await readFile(lock, 'utf8')).toMatch(new RegExp(`^${process.pid}@`));
    await db.close();
    await expect(readFile(lock, 'utf8')).rejects.toThrow(/ENOENT/);

    // A live process holds it: refused, naming the process. (Our parent process is alive and is not us.)
    await writeFile(lock, `${process.ppid}@`);
    const busy = await expectAuError(openDatabase({ dataDir: target.dataDir }), 'AU_DB_UNAVAILABLE');
    expect(busy.message).toContain(`in use by process ${process.ppid}`);
    expect(busy.message).toContain('DATABASE_URL');
    // A lock left by a process that is gone (or by an earlier run with our pid, in a container) is taken over.
    await writeFile(lock, `${process.pid}@`);
    db = await openDatabase({ dataDir: target.dataDir });
    expect(await readFile(lock, 'utf8')).toMatch(new RegExp(`^${process.pid}@`));
  });

  if (kind === 'pglite') it('opens after a process was killed while it started the embedded database (PGlite)', async () => {
    await db.close();
    // What a kill between creating and writing Postgres's lock file leaves: an empty postmaster.pid.
    await writeFile(join(target.dataDir, 'db', 'postmaster.pid'), '');
    db = await openDatabase({ dataDir: target.dataDir });
    expect(await schemaVersion(db)).toBe(latest);
  });

  it('refuses to be used after close', async () => {
    await db.close();
    await db.close();
    await expectAuError(db.query('SELECT 1'), 'AU_INTERNAL');
    await expectAuError(db.transaction(async () => {}), 'AU_INTERNAL');
  });
});

describe('database errors', () => {
  it('names the host and port of an unreachable PostgreSQL server, never the password', async () => {
    const error = await expectAuError(openDatabase({ url: 'postgres://someone:s3cr3t-pw@127.0.0.1:1/audiences', dataDir: tmpdir() }), 'AU_DB_UNAVAILABLE');
    expect(error.message).toContain('127.0.0.1:1/audiences');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('s3cr3t-pw');
    expect(JSON.stringify(error.details)).not.toContain('s3cr3t-pw');
  });

  it('refuses a URL that is not postgres://', async () => {
    const error = await expectAuError(openDatabase({ url: 'mysql://a:b@host/db', dataDir: tmpdir() }), 'AU_OPTION_INVALID');
    expect(error.message).not.toContain('a:b');
  });
});
