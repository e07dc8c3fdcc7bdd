import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { PoolClient, QueryResult } from 'pg';
import { AuError } from '../errors.js';
import { lockDataDir } from './data-dir-lock.js';
import { migrate } from './migrate.js';

/** Anything SQL can be sent to: the database itself, or one transaction. */
export interface Queryable {
  /** One statement, parameters as `$1`, `$2`... Returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A Queryable that can also run parameterless SQL of several statements (migrations, pg-boss's own SQL). */
export interface Executor extends Queryable {
  /** Several statements, no parameters (the simple query protocol). */
  exec(sql: string): Promise<void>;
  /** Like `exec`, and returns the rows of the last statement. */
  simpleQuery<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

/** The handle a `transaction()` callback receives. Unusable once the transaction has ended. */
export type Transaction = Executor;

export interface Database extends Executor {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs fn in one transaction (BEGIN/COMMIT, ROLLBACK on throw) on one connection. Inside fn use only `tx`:
   * calling `db.query` or `db.transaction` there waits for a connection the transaction holds (on PGlite always,
   * on PostgreSQL once the pool is exhausted) and deadlocks.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://user:password@host:port/database`; absent → the embedded PGlite database in `<dataDir>/db`. */
  url?: string;
  dataDir: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/**
 * Opens the database: PostgreSQL when `url` is given, else the embedded PGlite database under the data folder
 * (one process at a time: a lock file beside it refuses a second opener). Then applies pending migrations.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const db = options.url ? await openPostgres(options.url, options.poolSize ?? 10) : await openPglite(options.dataDir);
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
  }
  return db;
}

/**
 * int8 (bigint ids, count(*)) as a JS number on both backends, as PGlite does by default (node-postgres would give
 * a string); beyond 2^53 a BigInt, which no id or count here reaches.
 */
function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER) ? value : Number(value);
}

const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;
const TEXT_ARRAY_OID = 1009;

type PgTypeId = Parameters<typeof pg.types.getTypeParser>[0];

/** node-postgres' parsers, with int8 and int8[] parsed as on PGlite. */
const pgTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (format !== 'binary') {
    if (oid === INT8_OID) return parseInt8;
    if (oid === INT8_ARRAY_OID) {
      const parseTextArray = pg.types.getTypeParser(TEXT_ARRAY_OID as PgTypeId) as (text: string) => (string | null)[];
      return (text: string) => parseTextArray(text).map((value) => (value === null ? null : parseInt8(value)));
    }
  }
  return pg.types.getTypeParser(oid as PgTypeId, format ?? 'text');
}) as typeof pg.types.getTypeParser;

/**
 * COMMIT of a transaction in which a statement failed (its error caught inside the callback) silently rolls back:
 * the server answers ROLLBACK. Never report that as success.
 */
function abortedTransaction(): AuError {
  return new AuError('AU_INTERNAL', 'The transaction was rolled back: a statement in it failed and its error was caught inside the transaction');
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL (node-postgres pool)

/** Where the URL points, for messages: host, port and database, never the user or password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || new URLSearchParams(parsed.search).get('host') || 'localhost';
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default database)';
    return `${host}:${parsed.port || '5432'}/${database}`;
  } catch {
    return 'the server in DATABASE_URL';
  }
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Errors that mean "no usable connection" (as opposed to a failing statement). */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_ERRNOS.has(code)) return true;
    // 08: connection exception; 28: invalid authorization; 3D000: no such database; 57P01-03: shutting down, cannot connect now.
    if (/^(08...|28...|3D000|57P0[123])$/.test(code)) return true;
  }
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(error.message);
}

function wrapPgError(error: unknown, where: string): unknown {
  if (error instanceof AuError || !isConnectionError(error)) return error;
  const err = error as Error & { code?: string };
  // node-postgres messages name the host, user or database, never the password.
  return new AuError('AU_DB_UNAVAILABLE', `Cannot use the PostgreSQL database at ${where} (${err.code ?? 'error'}): ${err.message}. Check DATABASE_URL and that the server is running.`, { where, errorCode: err.code }, { cause: error });
}

function rowsOf<T>(result: QueryResult | QueryResult[]): T[] {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return (last?.rows ?? []) as T[];
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new AuError('AU_OPTION_INVALID', 'DATABASE_URL must start with postgres:// or postgresql://', { option: 'DATABASE_URL' });
  }
  try {
    new URL(url);
  } catch {
    // Node's URL error carries the input, password included: not passed on as the cause.
    throw new AuError('AU_OPTION_INVALID', 'DATABASE_URL is not a valid URL (special characters in the password must be percent-encoded)', { option: 'DATABASE_URL' });
  }
  const where = describeUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'audience-uploader',
    types: { getTypeParser: pgTypeParser },
  });
  // An idle connection that dies (server restart) emits here; without a listener the process would crash. The
  // pool drops it and the next query opens a new one.
  pool.on('error', () => {});

  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new AuError('AU_INTERNAL', 'The database connection is closed');
  };

  const wrapErrors = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw wrapPgError(error, where);
    }
  };
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    ensureOpen();
    return wrapErrors(fn);
  };

  /** Parameterless SQL on its own connection; a failed multi-statement text that opened a transaction is rolled back. */
  const simpleQueryOnOwnClient = async <T>(sql: string): Promise<T[]> =>
    run(async () => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        return rowsOf<T>((await client.query(sql)) as unknown as QueryResult | QueryResult[]);
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    });

  const clientExecutor = (client: PoolClient, isOpen: () => boolean): Transaction => {
    const check = (): void => {
      if (!isOpen()) throw new AuError('AU_INTERNAL', 'This transaction has already ended; use the database, not the old transaction handle');
    };
    return {
      query: async <T>(sql: string, params?: unknown[]) => {
        check();
        return wrapErrors(async () => (await client.query(sql, params)).rows as T[]);
      },
      exec: async (sql: string) => {
        check();
        await wrapErrors(() => client.query(sql));
      },
      simpleQuery: async <T>(sql: string) => {
        check();
        return wrapErrors(async () => rowsOf<T>((await client.query(sql)) as unknown as QueryResult | QueryResult[]));
      },
    };
  };

  const db: Database = {
    kind: 'postgres',
    query: async <T>(sql: string, params?: unknown[]) => run(async () => (await pool.query(sql, params)).rows as T[]),
    exec: async (sql: string) => {
      await simpleQueryOnOwnClient(sql);
    },
    simpleQuery: simpleQueryOnOwnClient,
    transaction: async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
      ensureOpen();
      const client = await run(() => pool.connect());
      let open = true;
      let broken: Error | undefined;
      try {
        await wrapErrors(() => client.query('BEGIN'));
        const result = await fn(clientExecutor(client, () => open));
        const commit = await wrapErrors(() => client.query('COMMIT'));
        if (commit.command === 'ROLLBACK') throw abortedTransaction();
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        open = false;
        client.release(broken);
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // Waits for checked-out connections (a transaction in progress finishes).
      await pool.end();
    },
  };

  // Fail now, with a clear message, rather than at the first real query.
  try {
    await db.query('SELECT 1');
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}

// ---------------------------------------------------------------------------------------------------------------
// PGlite (embedded, one connection)

/** FIFO async mutex: PGlite has one connection, so a transaction must own it from BEGIN to COMMIT. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

async function openPglite(dataDir: string): Promise<Database> {
  const dir = join(dataDir, 'db');
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new AuError('AU_DB_UNAVAILABLE', `Cannot create the database folder ${dir}: ${(error as Error).message}`, { path: dir }, { cause: error });
  }
  const unlock = await lockDataDir(join(dataDir, 'db.lock'), dir);
  let pglite: PGlite;
  try {
    // Postgres's own lock file. Our lock says no other process has the folder open, so one found here is left by a
    // process that died; one cut off while it was being written (a kill during startup) is empty, and Postgres then
    // refuses to start ("PGlite failed to initialize properly") until someone deletes it by hand.
    rmSync(join(dir, 'postmaster.pid'), { force: true });
    pglite = await PGlite.create(dir, { parsers: { [INT8_OID]: parseInt8 } });
  } catch (error) {
    unlock();
    throw new AuError('AU_DB_UNAVAILABLE', `Cannot open the embedded database in ${dir}: ${(error as Error).message}`, { path: dir }, { cause: error });
  }

  const mutex = new Mutex();
  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new AuError('AU_INTERNAL', 'The database is closed');
  };

  const query = async <T>(sql: string, params?: unknown[]): Promise<T[]> => (await pglite.query<T>(sql, params)).rows;
  const simpleQuery = async <T>(sql: string): Promise<T[]> => {
    const results = await pglite.exec(sql);
    return (results[results.length - 1]?.rows ?? []) as T[];
  };

  const db: Database = {
    kind: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => {
      ensureOpen();
      // Work queued before close() still runs: close() queues behind it.
      return mutex.run(() => query<T>(sql, params));
    },
    exec: async (sql: string) => {
      await db.simpleQuery(sql);
    },
    simpleQuery: async <T>(sql: string) => {
      ensureOpen();
      return mutex.run(async () => {
        try {
          return await simpleQuery<T>(sql);
        } catch (error) {
          // A multi-statement text with its own BEGIN (pg-boss's maintenance SQL) leaves the one connection in an
          // aborted transaction when a statement fails; end it so the next caller is not refused.
          await pglite.exec('ROLLBACK').catch(() => {});
          throw error;
        }
      });
    },
    transaction: async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
      ensureOpen();
      return mutex.run(async () => {
        let open = true;
        const check = (): void => {
          if (!open) throw new AuError('AU_INTERNAL', 'This transaction has already ended; use the database, not the old transaction handle');
        };
        const tx: Transaction = {
          query: async <R>(sql: string, params?: unknown[]) => {
            check();
            return query<R>(sql, params);
          },
          exec: async (sql: string) => {
            check();
            await simpleQuery(sql);
          },
          simpleQuery: async <R>(sql: string) => {
            check();
            return simpleQuery<R>(sql);
          },
        };
        await pglite.exec('BEGIN');
        try {
          const result = await fn(tx);
          const commit = await pglite.exec('COMMIT');
          if (commit[commit.length - 1]?.command === 'ROLLBACK') throw abortedTransaction();
          return result;
        } catch (error) {
          await pglite.exec('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          open = false;
        }
      });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // Waits for the transaction or query in progress.
      await mutex.run(async () => {
        try {
          await pglite.close();
        } finally {
          unlock();
        }
      });
    },
  };
  return db;
}
