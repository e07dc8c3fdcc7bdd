import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { metaEmailPhoneMembers, people, tiktokEmailMembers, writePeopleCsv } from '../testing/people-file.js';
import { submitUploadJob } from './client.js';
import { openRuntime } from './runtime.js';
import { createTestDatabase } from '../db/test-kit.js';
import { spawnWorker } from './worker-process.js';
import { FINAL_JOB_STATES } from './spec.js';
import { getJob, listBatches, type JobRow } from '../db/queries/jobs.js';

/**
 * Crash-resume: a 200,000-row upload to each sandbox while the worker process is killed with SIGKILL at random
 * moments and started again. The platforms must end with the exact membership and no batch applied twice.
 */
let sandbox: SandboxFixture;
let work: string;
let input: string;
const rows = people(0, 200_000);

beforeAll(async () => {
  sandbox = await startSandbox();
  // Slow answers stretch the batches, so that kills land mid-request too.
  for (const platform of ['tiktok', 'meta'] as const) sandbox.faults(platform, { slowRate: 0.4, slowMs: 400, seed: 3 });
  work = mkdtempSync(join(tmpdir(), 'au-crash-'));
  input = join(work, 'people.csv');
  writePeopleCsv(input, rows);
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

/** Both platforms hold the test's audience at its full size. */
function audiencesComplete(database: string): boolean {
  const tiktok = sandbox.server.platforms.tiktok.audiences().find((a) => a.name === `Crash ${database}`);
  const meta = sandbox.server.platforms.meta.audiences().find((a) => a.name === `Crash ${database}`);
  return tiktok?.size === tiktokEmailMembers(rows).length && meta?.size === rows.length;
}

/** Seeded, so a failing run can be replayed. */
function randomDelays(seed: number, count: number, minMs: number, maxMs: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return minMs + (state % (maxMs - minMs));
  });
}

describe.each([
  { database: 'PGlite', url: async () => undefined },
  { database: 'PostgreSQL', url: createTestDatabase },
])('crash-resume on $database', ({ database, url }) => {
  it('SIGKILL at 10+ random moments: exact membership, no batch applied twice', { timeout: 420_000 }, async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    const db = await url();
    const env: NodeJS.ProcessEnv = {
      ...sandbox.env,
      AU_DATA_DIR: dataDir,
      ...(db ? { DATABASE_URL: db.url } : {}),
      // A dead worker's batches go to the next one after 4 s.
      AU_BATCH_EXPIRE_SECONDS: '4',
      AU_QUEUE_MAINTENANCE_SECONDS: '1',
      AU_QUEUE_POLLING_SECONDS: '0.5',
      AU_WORKER_CONCURRENCY: '2',
      AU_JOB_RETRY_LIMIT: '40',
      AU_JOB_RETRY_DELAY_SECONDS: '1',
    };
    try {
      // Submit, then let go of the database: the embedded one is for one process at a time.
      const submitter = await openRuntime({ dataDir, env });
      const ids: string[] = [];
      ids.push((await submitUploadJob(submitter, { platform: 'tiktok', audience: { name: `Crash ${database}` }, mode: 'append', inputs: { local: [input] }, mappings: [{ column: 'email', type: 'EMAIL' }] }, 'test')).id);
      ids.push(
        (
          await submitUploadJob(
            submitter,
            {
              platform: 'meta',
              audience: { name: `Crash ${database}` },
              mode: 'append',
              inputs: { local: [input] },
              mappings: [
                { column: 'email', type: 'EMAIL' },
                { column: 'phone', type: 'PHONE' },
              ],
              defaultCountry: 'US',
            },
            'test',
          )
        ).id,
      );
      await submitter.close();

      let kills = 0;
      const applied = () => sandbox.stats('tiktok').applied.length + sandbox.stats('meta').applied.length;
      const delays = randomDelays(database.length, 12, 200, 3000);
      for (const [index, delay] of delays.entries()) {
        const worker = spawnWorker(env);
        if (index % 2 === 1) {
          // Every other kill waits until this worker has a batch applied, then strikes while it sends the next.
          const before = applied();
          const until = Date.now() + 20_000;
          while (applied() === before && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
          await new Promise((resolve) => setTimeout(resolve, delay / 10));
        } else {
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
        await worker.kill('SIGKILL');
        kills++;
      }
      // The last worker finishes the jobs. The platforms can hold every member before the database says so: a batch
      // applied just before a kill is recorded only when its retry comes back after the 4 s expiry. So the worker is
      // stopped and the database read (the embedded one is for one process at a time); a job still open gets the
      // worker back for a while.
      const deadline = Date.now() + 300_000;
      let finished: JobRow[] = [];
      let interrupted = 0;
      for (let round = 0; ; round++) {
        const last = spawnWorker(env);
        try {
          while (!audiencesComplete(database) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
          // Time for the expired batches' retries to come back and be recorded.
          await new Promise((resolve) => setTimeout(resolve, 6_000));
        } finally {
          await last.kill('SIGTERM');
        }
        const reader = await openRuntime({ dataDir, env });
        try {
          finished = (await Promise.all(ids.map((id) => getJob(reader.db, id)))).filter((job): job is JobRow => job !== null);
          const batches = (await Promise.all(ids.map((id) => listBatches(reader.db, id)))).flat();
          interrupted = batches.filter((batch) => batch.attempts > 1).length;
        } finally {
          await reader.close();
        }
        if (finished.length === ids.length && finished.every((job) => FINAL_JOB_STATES.has(job.state))) break;
        if (Date.now() > deadline) throw new Error(`jobs did not finish: ${finished.map((job) => job.state).join(', ')}; worker said:\n${last.output()}`);
      }
      expect(kills).toBeGreaterThanOrEqual(10);
      // Some kills struck while a batch was being sent: the test exercised resuming, not just restarting.
      expect(interrupted).toBeGreaterThan(0);
      expect(finished.map((job) => job.state)).toEqual(['done', 'done']);
      const [tiktokJob, metaJob] = finished as [JobRow, JobRow];
      expect(sandbox.members('tiktok', tiktokJob.platform_audience_id!)).toEqual(tiktokEmailMembers(rows));
      expect(sandbox.members('meta', metaJob.platform_audience_id!)).toEqual(metaEmailPhoneMembers(rows));
      for (const platform of ['tiktok', 'meta'] as const) {
        expect(sandbox.stats(platform).appliedTwice).toEqual([]);
        // One audience per job: a create that was cut off was not repeated.
        expect(sandbox.server.platforms[platform].audiences().filter((a) => a.name === `Crash ${database}`)).toHaveLength(1);
      }
    } finally {
      await db?.drop();
    }
  });
});
