import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface EngineOptions {
  /** Folder for DuckDB's spill files; created if missing. */
  tempDir: string;
  /** DuckDB memory limit, e.g. '512MB'. Spilling keeps resident memory under this plus Node's own. */
  memoryLimit?: string;
  threads?: number;
}

/**
 * One DuckDB connection: one statement (or appender) at a time. Statements started while another is under way on
 * the same engine can make it fail ("unsuccessful or closed pending query result"), so callers await each one.
 */
export interface Engine {
  connection: DuckDBConnection;
  /** Runs a statement and returns its rows as plain objects (BIGINT as bigint). */
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  run(sql: string): Promise<void>;
  close(): void;
}

export const DEFAULT_MEMORY_LIMIT = '600MB';

/** Opens an in-memory DuckDB with bounded memory and a spill folder, the way every stage uses it. */
export async function openEngine(options: EngineOptions): Promise<Engine> {
  mkdirSync(options.tempDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    temp_directory: options.tempDir,
    // Output order is imposed explicitly (ORDER BY); keeping insertion order costs memory on big inputs.
    preserve_insertion_order: 'false',
    ...(options.threads ? { threads: String(options.threads) } : {}),
    // Give freed memory back to the system at once. Under the memory limit DuckDB keeps evicting blocks to the
    // spill folder and reading them back; by default the allocator keeps the freed pages, and resident memory ran
    // 400 MB over the limit (50 M rows: 1.06 GB peak). Purging after any eviction or bulk free over 1 MB, with
    // jemalloc's background thread returning the rest, measured 0.85 GB on 50 M rows, and no slower on 5 M.
    allocator_background_threads: 'true',
    allocator_bulk_deallocation_flush_threshold: '1MB',
    // Nothing in this product needs network or extension downloads; fail fast instead of trying.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
  });
  const connection = await instance.connect();
  // AU_DEBUG_SQL=1 prints each statement's duration, the process's CPU time meanwhile, and its start to stderr;
  // AU_DEBUG_SQL=full the whole statement (statements hold no input values).
  const trace = process.env.AU_DEBUG_SQL
    ? async <T>(sql: string, work: () => Promise<T>): Promise<T> => {
        const start = performance.now();
        const cpu = process.cpuUsage();
        try {
          return await work();
        } finally {
          const used = process.cpuUsage(cpu);
          const cpuMs = (used.user + used.system) / 1000;
          process.stderr.write(`[sql ${(performance.now() - start).toFixed(0)} ms, cpu ${cpuMs.toFixed(0)} ms] ${process.env.AU_DEBUG_SQL === 'full' ? sql : sql.replace(/\s+/g, ' ').slice(0, 160)}\n`);
        }
      }
    : <T>(_sql: string, work: () => Promise<T>) => work();
  return {
    connection,
    all<T>(sql: string): Promise<T[]> {
      return trace(sql, async () => (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[]);
    },
    run(sql: string): Promise<void> {
      return trace(sql, async () => {
        await connection.run(sql);
      });
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Opens an engine with a private spill folder under `dataDir/tmp`. */
export function engineTempDir(dataDir: string): string {
  return join(dataDir, 'tmp', 'duckdb');
}

/** SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** SQL identifier, quoted. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
