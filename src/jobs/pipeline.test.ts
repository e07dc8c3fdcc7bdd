import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJob, listBatches } from '../db/queries/jobs.js';
import { listAudit } from '../db/queries/audit.js';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { metaEmailPhoneMembers, people, tiktokEmailMembers, writePeopleCsv } from '../testing/people-file.js';
import { cancelJob, retryJob, submitUploadJob, waitForJob } from './client.js';
import { openRuntime, type Runtime } from './runtime.js';
import { startWorker } from './worker.js';
import { createTestDatabase } from '../db/test-kit.js';

/** The job pipeline end to end, in one process: a job, a worker, the sandbox; on PGlite and on PostgreSQL. */
let sandbox: SandboxFixture;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  work = mkdtempSync(join(tmpdir(), 'au-pipeline-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const settings = { pollingIntervalSeconds: 0.5, retryPolicy: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3 }, retryLimit: 2, retryDelaySeconds: 1 };

describe.each([
  { database: 'PGlite', url: async () => undefined },
  { database: 'PostgreSQL', url: createTestDatabase },
])('pipeline on $database', ({ database, url }) => {
  let runtime: Runtime;
  let worker: { stop(): Promise<void> };
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    const database = await url();
    const env = { ...sandbox.env, ...(database ? { DATABASE_URL: database.url } : {}) };
    dropDatabase = database?.drop;
    runtime = await openRuntime({ dataDir, env, settings, supervise: true });
    worker = await startWorker(runtime);
  });

  afterAll(async () => {
    await worker?.stop();
    await runtime?.close();
    await dropDatabase?.();
  });

  it('an upload job to TikTok and one to Meta end with the exact membership', async () => {
    const input = join(work, `people-${Math.random()}.csv`);
    const rows = people(0, 25_000);
    writePeopleCsv(input, rows);
    const tiktok = await submitUploadJob(
      runtime,
      { platform: 'tiktok', audience: { name: `Pipeline ${database}` }, mode: 'append', inputs: { local: [input] }, mappings: [{ column: 'email', type: 'EMAIL' }] },
      'test',
    );
    const meta = await submitUploadJob(
      runtime,
      {
        platform: 'meta',
        audience: { name: `Pipeline ${database}` },
        mode: 'replace',
        inputs: { local: [input] },
        mappings: [
          { column: 'email', type: 'EMAIL' },
          { column: 'phone', type: 'PHONE' },
        ],
        defaultCountry: 'US',
      },
      'test',
    );
    const [tiktokDone, metaDone] = await Promise.all([waitForJob(runtime, tiktok.id, { timeoutMs: 60_000 }), waitForJob(runtime, meta.id, { timeoutMs: 60_000 })]);
    expect(tiktokDone.state).toBe('done');
    expect(metaDone.state).toBe('done');
    expect(sandbox.members('tiktok', tiktokDone.platform_audience_id!)).toEqual(tiktokEmailMembers(rows));
    expect(sandbox.members('meta', metaDone.platform_audience_id!)).toEqual(metaEmailPhoneMembers(rows));
    expect(metaDone.summary).toMatchObject({ batches: 4, received: 25_000, invalid: 0 });
    // Batch files are deleted once the platform has them (just after the job is marked done).
    await until(async () => (await getJob(runtime.db, meta.id))?.work_prefix === null);
    expect((await runtime.storage.list(`jobs/${meta.id}`, { recursive: true })).objects).toEqual([]);
  });

  it('a batch the platform keeps refusing goes dead; retry sends it again and the job completes', async () => {
    const input = join(work, `people-${Math.random()}.csv`);
    const rows = people(30_000, 50_000);
    writePeopleCsv(input, rows);
    sandbox.faults('meta', { serverErrorRate: 1 });
    const job = await submitUploadJob(
      runtime,
      { platform: 'meta', audience: { name: `Dead letter ${database}` }, mode: 'append', inputs: { local: [input] }, mappings: [{ column: 'email', type: 'EMAIL' }] },
      'test',
    );
    const dead = await waitForJob(runtime, job.id, { timeoutMs: 60_000 });
    sandbox.faults('meta', { serverErrorRate: 0 });
    expect(dead.state).toBe('dead');
    expect(dead.error?.message).toMatch(/server error|temporary error|gave up/i);
    await retryJob(runtime, job.id, 'test-operator');
    const retried = (await listAudit(runtime.db, { limit: 50 })).filter((entry) => entry.targetId === job.id && entry.action === 'job.retried');
    expect(retried).toMatchObject([{ actor: 'test-operator', details: { previousState: 'dead', error: dead.error!.code } }]);
    const done = await waitForJob(runtime, job.id, { timeoutMs: 60_000 });
    expect(done.state).toBe('done');
    expect(sandbox.members('meta', done.platform_audience_id!).length).toBe(rows.length);
  });

  it('a cancelled job starts no further batch; the one in flight finishes', async () => {
    const input = join(work, `people-${Math.random()}.csv`);
    writePeopleCsv(input, people(60_000, 61_500));
    // Slow answers hold the first batch (the file upload) in flight while the job is cancelled.
    sandbox.faults('tiktok', { slowRate: 1, slowMs: 1500 });
    try {
      const job = await submitUploadJob(
        runtime,
        { platform: 'tiktok', audience: { name: `Cancelled ${database}` }, mode: 'append', inputs: { local: [input] }, mappings: [{ column: 'email', type: 'EMAIL' }] },
        'test',
      );
      await until(async () => (await listBatches(runtime.db, job.id)).some((batch) => batch.state === 'sending'));
      await cancelJob(runtime, job.id, 'test-operator');
      const cancelled = (await listAudit(runtime.db, { limit: 50 })).filter((entry) => entry.targetId === job.id && entry.action === 'job.cancelled');
      expect(cancelled).toMatchObject([{ actor: 'test-operator', details: { previousState: 'uploading' } }]);
      await new Promise((resolve) => setTimeout(resolve, 3500));
      const final = await getJob(runtime.db, job.id);
      expect(final?.state).toBe('cancelled');
      const batches = await listBatches(runtime.db, job.id);
      expect(batches.map((batch) => [batch.kind, batch.state])).toEqual([
        ['upload-file', 'done'],
        ['apply-files', 'pending'],
      ]);
      expect(sandbox.server.platforms.tiktok.audiences().some((a) => a.name === `Cancelled ${database}`)).toBe(false);
    } finally {
      sandbox.faults('tiktok', { slowRate: 0 });
    }
  });
});
