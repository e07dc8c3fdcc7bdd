/**
 * Synthetic inputs for the reader and discovery tests: fake identities only (example.test emails, 555 phones),
 * written in the shapes clean-room exports take.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openEngine, sqlString, type Engine } from '../engine/duckdb.js';

export interface FakePerson {
  id: string;
  email: string;
  phone: string;
  first_name: string;
  country: string;
}

const FIRST_NAMES = ['Ava', 'Ben', 'Cleo', 'Dan', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jo'];

/** Deterministic fake people: `user<i>@example.test`, US phones in the 555 range, ids with leading zeros. */
export function fakePeople(count: number, offset = 0): FakePerson[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    return {
      id: String(i).padStart(6, '0'),
      email: `user${i}@example.test`,
      phone: `1555${String(1000000 + ((i * 7919) % 9000000)).padStart(7, '0')}`,
      first_name: FIRST_NAMES[i % FIRST_NAMES.length]!,
      country: i % 3 === 0 ? 'GB' : 'US',
    };
  });
}

export interface CsvOptions {
  delimiter?: string;
  newline?: string;
  bom?: boolean;
  header?: boolean;
}

/** CSV text with RFC 4180 quoting where needed. */
export function toCsv(rows: readonly Record<string, string>[], options: CsvOptions = {}): string {
  const delimiter = options.delimiter ?? ',';
  const newline = options.newline ?? '\n';
  const columns = Object.keys(rows[0] ?? {});
  const quote = (v: string) => (/["\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = rows.map((r) => columns.map((c) => quote(r[c] ?? '')).join(delimiter));
  if (options.header !== false) lines.unshift(columns.map(quote).join(delimiter));
  return `${options.bom ? '\uFEFF' : ''}${lines.join(newline)}${newline}`;
}

export class TempDir {
  readonly root: string;
  constructor(prefix = 'au-sources-') {
    this.root = mkdtempSync(join(tmpdir(), prefix));
  }
  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }
  write(relative: string, content: string | Uint8Array): string {
    const path = this.path(relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  }
  writeGzip(relative: string, content: string | Uint8Array): string {
    return this.write(relative, gzipSync(typeof content === 'string' ? Buffer.from(content) : content));
  }
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** An engine for tests, with its spill folder inside the temp dir. */
export function testEngine(dir: TempDir): Promise<Engine> {
  return openEngine({ tempDir: dir.path('.duckdb-tmp'), memoryLimit: '256MB', threads: 2 });
}

/** Writes a Parquet file with DuckDB from a SELECT. */
export async function writeParquet(engine: Engine, path: string, select: string): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  await engine.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT parquet)`);
  return path;
}
