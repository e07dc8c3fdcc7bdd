import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../db/test-kit.js';
import { openRuntime, type Runtime } from '../jobs/runtime.js';
import { startS3rver, type S3rverHandle } from '../storage/testing.js';
import { scanDropzone } from './scan.js';
import { DROPZONE_QUEUE, startDropzone } from './watcher.js';

/**
 * Two workers on one PostgreSQL database and one S3 bucket (s3rver), where a move is a copy and a delete: scans
 * running at the same time still take each file once, and the queue lets only one scan run at a time.
 */
let s3: S3rverHandle;
let database: { url: string; drop(): Promise<void> };
const runtimes: Runtime[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startS3rver();
  database = await createTestDatabase();
  const env = { ...s3.env, STORAGE_URL: `s3://${s3.bucket}/shared`, DATABASE_URL: database.url };
  for (let i = 0; i < 2; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'au-dropzone-pg-'));
    dirs.push(dataDir);
    // One after the other: both would migrate the new database.
    runtimes.push(await openRuntime({ dataDir, env, settings: { pollingIntervalSeconds: 0.5 }, supervise: true }));
  }
});

afterAll(async () => {
  for (const runtime of runtimes) {
    await runtime.storage.close?.();
    await runtime.close();
  }
  await database?.drop();
  await s3?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('two workers, one drop zone', () => {
  it('scans at the same time take each file once', async () => {
    const [a, b] = runtimes as [Runtime, Runtime];
    const files = Array.from({ length: 16 }, (_, i) => `dropzone/tiktok/Audience ${i % 4}/email_md5/file-${i}.csv`);
    for (const key of files) await a.storage.write(key, 'not read: the folder is refused first\n');
    const [first, second] = await Promise.all([scanDropzone(a, { settleMs: 0 }), scanDropzone(b, { settleMs: 0 })]);
    const claimed = [...first.events, ...second.events].filter((event) => event.kind === 'claimed').map((event) => `dropzone/${event.file}`);
    expect(claimed.sort()).toEqual([...files].sort());
    expect([...first.events, ...second.events].filter((event) => event.kind === 'error')).toEqual([]);
    const failed = (await a.storage.list('failed', { recursive: true })).objects.map((object) => object.key);
    expect(failed.filter((key) => key.endsWith('.csv'))).toHaveLength(16);
    expect(failed.filter((key) => key.endsWith('.error.txt'))).toHaveLength(16);
    expect((await a.storage.list('dropzone', { recursive: true })).objects).toEqual([]);
    expect((await a.storage.list('dropzone-work', { recursive: true })).objects).toEqual([]);
  });

  it('the queue runs one scan at a time, whichever worker takes it', async () => {
    const [a, b] = runtimes as [Runtime, Runtime];
    const zones = await Promise.all(runtimes.map((runtime) => startDropzone(runtime, { intervalMs: 300, settleMs: 0, onEvent: () => undefined })));
    try {
      let most = 0;
      for (let i = 0; i < 20; i++) {
        const [row] = await a.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'active'`, [DROPZONE_QUEUE]);
        most = Math.max(most, row?.n ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(most).toBeLessThanOrEqual(1);
      await b.storage.write('dropzone/meta/Foodies/maid_sha256/list.csv', 'x\n');
      await expect.poll(async () => (await b.storage.list('failed/meta', { recursive: true })).objects.length, { timeout: 10_000 }).toBe(2);
      const [scans] = await a.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`, [DROPZONE_QUEUE]);
      expect(scans!.n).toBeGreaterThan(1);
      const error = (await b.storage.list('failed/meta', { recursive: true })).objects.find((object) => object.key.endsWith('.error.txt'))!;
      expect(await b.storage.readText(error.key)).toContain('Meta custom audiences takes MAID unhashed, and the drop zone takes hashed files only');
    } finally {
      for (const zone of zones) await zone.stop();
    }
  });
});
