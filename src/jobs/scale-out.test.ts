import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, type S3rverHandle } from '../storage/testing.js';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { metaEmailPhoneMembers, people, writePeopleCsv } from '../testing/people-file.js';
import { getJob } from '../db/queries/jobs.js';
import { submitUploadJob, waitForJob } from './client.js';
import { openRuntime } from './runtime.js';
import { createTestDatabase } from '../db/test-kit.js';
import { spawnWorker, type WorkerProcess } from './worker-process.js';

/**
 * Scale-out: the real PostgreSQL, S3 (s3rver), two worker processes. A 1 M-row job completes, both workers sent
 * batches, the membership is exact.
 */
let sandbox: SandboxFixture;
let s3: S3rverHandle;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  s3 = await startS3rver();
  work = mkdtempSync(join(tmpdir(), 'au-scale-'));
});

afterAll(async () => {
  await sandbox.close();
  await s3.close();
  rmSync(work, { recursive: true, force: true });
});

describe('scale-out', () => {
  it('two workers on PostgreSQL and S3 share a 1 M-row job', { timeout: 300_000 }, async () => {
    const db = await createTestDatabase();
    const rows = people(0, 1_000_000);
    const input = join(work, 'people.csv');
    writePeopleCsv(input, rows);
    const env: NodeJS.ProcessEnv = {
      ...sandbox.env,
      ...s3.env,
      DATABASE_URL: db.url,
      STORAGE_URL: `s3://${s3.bucket}/audience-uploader`,
      AU_QUEUE_POLLING_SECONDS: '0.5',
      // Slow enough that neither worker can take every batch before the other polls.
      AU_META_REQUESTS_PER_SECOND: '20',
      AU_DROPZONE: 'off',
    };
    const workers: WorkerProcess[] = [];
    const client = await openRuntime({ dataDir: mkdtempSync(join(work, 'client-')), env });
    try {
      await client.storage.writeFile('inputs/people-1m.csv', input);
      for (let i = 0; i < 2; i++) workers.push(spawnWorker({ ...env, AU_DATA_DIR: mkdtempSync(join(work, `worker-${i}-`)) }));
      const job = await submitUploadJob(
        client,
        {
          platform: 'meta',
          audience: { name: 'Scale-out' },
          mode: 'append',
          inputs: { storage: ['inputs/people-1m.csv'] },
          mappings: [
            { column: 'email', type: 'EMAIL' },
            { column: 'phone', type: 'PHONE' },
          ],
          defaultCountry: 'US',
        },
        'test',
      );
      const done = await waitForJob(client, job.id, { timeoutMs: 240_000, intervalMs: 500 });
      expect(done.error).toBeNull();
      expect(done.state).toBe('done');
      const summary = done.summary as { batches: number; received: number; workers: string[] };
      // 100 row batches and the create.
      expect(summary.batches).toBe(101);
      expect(summary.received).toBe(1_000_000);
      expect(summary.workers).toHaveLength(2);
      expect(sandbox.members('meta', done.platform_audience_id!)).toEqual(metaEmailPhoneMembers(rows));
      expect(sandbox.stats('meta').appliedTwice).toEqual([]);
      // The batch files lived in S3 and are gone once uploaded (just after the job is marked done).
      const deadline = Date.now() + 30_000;
      while ((await getJob(client.db, job.id))?.work_prefix !== null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await client.storage.list(`jobs/${job.id}`, { recursive: true })).objects).toEqual([]);
    } finally {
      for (const worker of workers) await worker.kill('SIGTERM');
      await client.close();
      await db.drop();
    }
  });
});
