import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine/duckdb.js';
import { fakePeople, TempDir, testEngine, toCsv, writeParquet } from '../sources/test-helpers.js';
import type { DiscoveryReport } from './discover.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/audience-uploader');

let dir: TempDir;
let engine: Engine;
beforeAll(async () => {
  dir = new TempDir('au-discover-cli-');
  engine = await testEngine(dir);
});
afterAll(() => {
  engine.close();
  dir.remove();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, AU_DATA_DIR: dir.path('data') }, cwd: dir.root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('audience-uploader discover', () => {
  it('describes a CSV as JSON', async () => {
    const people = fakePeople(200);
    const path = dir.write('in/people.csv', toCsv(people.map((p) => ({ email: p.email, phone: p.phone, first_name: p.first_name }))));
    const { code, stdout, stderr } = await cli('discover', path, '--json', '--sample-rows', '100');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DiscoveryReport;
    expect(report.format).toBe('csv');
    expect(report.sample).toEqual({ rows: 100, limit: 100, complete: false });
    expect(report.columns.map((c) => [c.name, c.suggestion?.type])).toEqual([
      ['email', 'EMAIL'],
      ['phone', 'PHONE'],
      ['first_name', 'FN'],
    ]);
    for (const p of people) expect(stdout).not.toContain(p.email);
    // The engine's spill folder lives under AU_DATA_DIR.
    expect(existsSync(join(dir.path('data'), 'tmp'))).toBe(true);
  });

  it('describes a folder of Parquet parts as JSON, with an exact row count', async () => {
    await writeParquet(engine, dir.path('pq/part-00000.parquet'), `SELECT 'user' || i || '@example.test' AS email, (15550000000 + i)::BIGINT AS phone FROM range(60) t(i)`);
    await writeParquet(engine, dir.path('pq/part-00001.parquet'), `SELECT 'user' || i || '@example.test' AS email, (15550000000 + i)::BIGINT AS phone FROM range(60, 100) t(i)`);
    dir.write('pq/_SUCCESS', '');
    const { code, stdout } = await cli('discover', dir.path('pq'), '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DiscoveryReport;
    expect(report.format).toBe('parquet');
    expect(report.files).toHaveLength(2);
    expect(report.rows).toEqual({ count: 100, exact: true, method: 'parquet-metadata' });
    expect(report.columns.find((c) => c.name === 'phone')).toMatchObject({ sourceType: 'BIGINT', suggestion: { type: 'PHONE' } });
    expect(report.warnings.join(' ')).toMatch(/skipped 1/);
  });

  it('prints a table by default', async () => {
    const path = dir.write('in/table.csv', toCsv(fakePeople(10).map((p) => ({ email: p.email }))));
    const { code, stdout } = await cli('discover', path);
    expect(code).toBe(0);
    expect(stdout).toMatch(/COLUMN\s+CONTENT\s+EMPTY\s+SUGGESTION\s+SAMPLES/);
    expect(stdout).toMatch(/email\s+email\s+0\.0%\s+EMAIL 0\.\d\d\s+u\*\*\*@e\*\*\*\.test/);
  });

  it('fails with one clear line on bad input', async () => {
    const missing = await cli('discover', dir.path('nope.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error AU_INPUT_NOT_FOUND: ${dir.path('nope.csv')}: no such file or folder\n`);
    const fake = dir.write('in/fake.parquet', 'email\nuser1@example.test\n');
    const format = await cli('discover', fake);
    expect(format.code).toBe(1);
    expect(format.stderr.trim().split('\n')).toHaveLength(1);
    expect(format.stderr).toMatch(/AU_INPUT_FORMAT: .*fake\.parquet: named as Parquet but its content is CSV/);
    expect(format.stderr).not.toContain('user1@');
    const option = await cli('discover', fake, '--sample-rows', 'lots');
    expect(option.code).toBe(1);
    expect(option.stderr).toMatch(/AU_OPTION_INVALID/);
  });
});
