import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../db/queries/audit.js';
import { getJob, type JobRow } from '../db/queries/jobs.js';
import { openRuntime, type Runtime } from '../jobs/runtime.js';
import { startWorker } from '../jobs/worker.js';
import { startS3rver, type S3rverHandle } from '../storage/testing.js';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { scanDropzone, type DropzoneEvent } from './scan.js';
import { startDropzone, type Dropzone } from './watcher.js';

/**
 * The drop zone end to end: files written to storage under dropzone/ are uploaded to the TikTok sandbox by a
 * worker, then moved to processed/ or failed/. On local storage (the worker's own drop zone) and on s3rver.
 */

const sha = (value: string) => createHash('sha256').update(value).digest('hex');
/** SHA-256 of synthetic emails (already normalized: lower case). */
const hashes = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => sha(`person${from + k}@example.test`));

const settings = { pollingIntervalSeconds: 0.5, retryPolicy: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3 }, retryLimit: 2, retryDelaySeconds: 1, dropzoneIntervalSeconds: 0.3 };

interface Setup {
  sandbox: SandboxFixture;
  runtime: Runtime;
  /** Writes a file into storage as a user would drop it. */
  drop(key: string, content: string): Promise<void>;
  close(): Promise<void>;
}

async function setup(kind: 'local' | 's3'): Promise<Setup> {
  const sandbox = await startSandbox();
  const dataDir = mkdtempSync(join(tmpdir(), `au-dropzone-${kind}-`));
  let s3: S3rverHandle | undefined;
  if (kind === 's3') s3 = await startS3rver();
  const env = {
    ...sandbox.env,
    ...(s3 ? { ...s3.env, STORAGE_URL: `s3://${s3.bucket}/au`, AU_DROPZONE: 'off' } : {}),
  };
  const runtime = await openRuntime({ dataDir, env, settings, supervise: true });
  const worker = await startWorker(runtime);
  return {
    sandbox,
    runtime,
    async drop(key, content) {
      await runtime.storage.write(key, content);
      // The worker's drop zone takes files unmodified for 5 s; these are complete, so they are dated back.
      const path = runtime.storage.localPath(key);
      if (path) utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    },
    async close() {
      await worker.stop();
      await runtime.storage.close?.();
      await runtime.close();
      await s3?.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function keys(runtime: Runtime, prefix: string): Promise<string[]> {
  return (await runtime.storage.list(prefix, { recursive: true })).objects.map((object) => object.key);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function submittedJobs(runtime: Runtime): Promise<{ jobId: string; file: string }[]> {
  return runtime.db.query(`SELECT details->>'jobId' AS "jobId", details->>'file' AS file FROM audit_log WHERE action = 'dropzone.submitted' ORDER BY id`);
}

/** Two hashed files for one audience, one with unhashed values, one in a wrong identifier folder. */
async function dropAndCheck(s: Setup): Promise<JobRow[]> {
  const { runtime, sandbox } = s;
  const first = hashes(0, 1200);
  const second = hashes(1000, 2200);
  // A header, CRLF line endings, some upper-case hex.
  const firstText = `email_sha256\r\n${first.map((h, i) => (i % 7 === 0 ? h.toUpperCase() : h)).join('\r\n')}\r\n`;
  const rawText = `email_sha256\n${hashes(0, 4).join('\n')}\nperson4@example.test\n${hashes(5, 1100).join('\n')}\n`;
  await s.drop('dropzone/TikTok/Foodies/EMAIL_SHA256/list.csv', firstText);
  await s.drop('dropzone/tiktok/Foodies/email_sha256/more.csv', `${second.join('\n')}\n`);
  await s.drop('dropzone/tiktok/Foodies/email_sha256/raw.csv', rawText);
  await s.drop('dropzone/tiktok/Foodies/email_md5/list.csv', `${first.join('\n')}\n`);

  await waitFor('2 files in processed/ and 2 in failed/', async () => (await keys(runtime, 'processed')).length === 2 && (await keys(runtime, 'failed')).length === 4);

  const submitted = await submittedJobs(runtime);
  expect(submitted.map((entry) => entry.file)).toEqual(['TikTok/Foodies/EMAIL_SHA256/list.csv', 'tiktok/Foodies/email_sha256/more.csv']);
  const jobs = await Promise.all(submitted.map(async (entry) => (await getJob(runtime.db, entry.jobId))!));
  expect(jobs.map((job) => [job.state, job.created_by, job.mode, job.audience_name])).toEqual([
    ['done', 'dropzone', 'append', 'Foodies'],
    ['done', 'dropzone', 'append', 'Foodies'],
  ]);
  // The second file waited for the first, then found the audience the first one made.
  expect(jobs[1]!.created_at.getTime()).toBeGreaterThanOrEqual(jobs[0]!.finished_at!.getTime());
  const audienceId = jobs[0]!.platform_audience_id!;
  expect(jobs[1]!.platform_audience_id).toBe(audienceId);
  expect(sandbox.server.platforms.tiktok.audiences().filter((audience) => audience.name === 'Foodies')).toHaveLength(1);
  expect(sandbox.members('tiktok', audienceId)).toEqual([...new Set([...first, ...second])].sort());
  expect(sandbox.stats('tiktok').appliedTwice).toEqual([]);

  const processed = await keys(runtime, 'processed');
  expect(processed).toEqual([
    expect.stringMatching(/^processed\/TikTok\/Foodies\/EMAIL_SHA256\/\d{8}T\d{6}\.\d{3}Z-list\.csv$/),
    expect.stringMatching(/^processed\/tiktok\/Foodies\/email_sha256\/\d{8}T\d{6}\.\d{3}Z-more\.csv$/),
  ]);
  expect(await runtime.storage.readText(processed[0]!)).toBe(firstText);

  const failed = await keys(runtime, 'failed');
  expect(failed).toEqual([
    expect.stringMatching(/^failed\/tiktok\/Foodies\/email_md5\/\d{8}T\d{6}\.\d{3}Z-list\.csv$/),
    expect.stringMatching(/^failed\/tiktok\/Foodies\/email_md5\/\d{8}T\d{6}\.\d{3}Z-list\.csv\.error\.txt$/),
    expect.stringMatching(/^failed\/tiktok\/Foodies\/email_sha256\/\d{8}T\d{6}\.\d{3}Z-raw\.csv$/),
    expect.stringMatching(/^failed\/tiktok\/Foodies\/email_sha256\/\d{8}T\d{6}\.\d{3}Z-raw\.csv\.error\.txt$/),
  ]);
  const wrongFolder = await runtime.storage.readText(failed[1]!);
  expect(wrongFolder).toContain('dropzone/tiktok/Foodies/email_md5/list.csv was not uploaded: nothing of it was sent.');
  expect(wrongFolder).toContain('Why (AU_DROPZONE_PATH): unknown identifier folder "email_md5"; use one of: email_sha256, phone_sha256, idfa_sha256, gaid_sha256, maid_sha256');
  const unhashed = await runtime.storage.readText(failed[3]!);
  expect(unhashed).toContain('Why (AU_DROPZONE_NOT_HASHED): line 6 is not a SHA-256 hash (64 hexadecimal characters); the drop zone takes hashed files only (use `upload` for raw files)');
  expect(unhashed).not.toContain('person4');
  expect(await runtime.storage.readText(failed[2]!)).toBe(rawText);

  expect(await keys(runtime, 'dropzone')).toEqual([]);
  await waitFor('the work area to empty', async () => (await keys(runtime, 'dropzone-work')).length === 0, 5_000);
  const actions = await runtime.db.query<{ action: string; n: number }>(`SELECT action, count(*)::int AS n FROM audit_log WHERE actor = 'dropzone' GROUP BY action ORDER BY action`);
  expect(actions).toEqual([
    { action: 'dropzone.failed', n: 2 },
    { action: 'dropzone.processed', n: 2 },
    { action: 'dropzone.submitted', n: 2 },
  ]);
  return jobs;
}

describe('drop zone on local storage (the worker scans)', () => {
  let s: Setup;
  let jobs: JobRow[];
  beforeAll(async () => {
    s = await setup('local');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('uploads hashed files to one audience; a wrong folder or unhashed values go to failed/ with the reason', async () => {
    jobs = await dropAndCheck(s);
  });

  it('resumes claims left by a scan that died, submitting each file once', async () => {
    const { runtime, sandbox } = s;
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    const claim = (id: string, relative: string) => ({ version: 1, claim: id, source: `dropzone/${relative}`, relative, size: 1, modified: old, claimedAt: old });
    const before = (await submittedJobs(runtime)).length;
    // Claimed (moved), never submitted: checked and submitted now.
    const phones = Array.from({ length: 1000 }, (_, i) => sha(`1415555${String(i).padStart(4, '0')}`));
    await runtime.storage.write('dropzone-work/c-unsubmitted/original/tiktok/Resumed/phone_sha256/list.csv', `${phones.join('\n')}\n`);
    await runtime.storage.write('dropzone-work/c-unsubmitted/claim.json', JSON.stringify(claim('c-unsubmitted', 'tiktok/Resumed/phone_sha256/list.csv')));
    // Submitted (the audit entry names its job, which is done), not yet moved out: finished without a new job.
    await recordAudit(runtime.db, { actor: 'dropzone', action: 'dropzone.submitted', targetType: 'dropzone_claim', targetId: 'c-submitted', details: { jobId: jobs[0]!.id, file: 'tiktok/Again/email/list.csv' } });
    await runtime.storage.write('dropzone-work/c-submitted/original/tiktok/Again/email/list.csv', `${hashes(0, 1000).join('\n')}\n`);
    await runtime.storage.write('dropzone-work/c-submitted/claim.json', JSON.stringify(claim('c-submitted', 'tiktok/Again/email/list.csv')));

    await waitFor('both claims to finish', async () => (await keys(runtime, 'dropzone-work')).length === 0 && (await keys(runtime, 'processed')).length === 4);
    const submitted = (await submittedJobs(runtime)).slice(before);
    expect(submitted.map((entry) => entry.file)).toEqual(['tiktok/Again/email/list.csv', 'tiktok/Resumed/phone_sha256/list.csv']);
    const job = (await getJob(runtime.db, submitted[1]!.jobId))!;
    expect(job.state).toBe('done');
    expect(sandbox.members('tiktok', job.platform_audience_id!)).toEqual([...phones].sort());
    expect(await keys(runtime, 'processed/tiktok/Again')).toEqual([expect.stringMatching(/^processed\/tiktok\/Again\/email\/\d{8}T\d{6}\.\d{3}Z-list\.csv$/)]);
    expect(sandbox.server.platforms.tiktok.audiences().map((audience) => audience.name).sort()).toEqual(['Foodies', 'Resumed']);
    expect(sandbox.stats('tiktok').appliedTwice).toEqual([]);
  });

  it('a job that fails puts the file in failed/ with the job, its error and what to do', async () => {
    const { runtime, sandbox } = s;
    await s.drop('dropzone/tiktok/Tiny/email_sha256/list.csv', `${hashes(0, 10).join('\n')}\n`);
    await waitFor('the file in failed/', async () => (await keys(runtime, 'failed/tiktok/Tiny')).length === 2);
    const [file, error] = await keys(runtime, 'failed/tiktok/Tiny');
    expect(file).toMatch(/^failed\/tiktok\/Tiny\/email_sha256\/\d{8}T\d{6}\.\d{3}Z-list\.csv$/);
    const text = await runtime.storage.readText(error!);
    const submitted = (await submittedJobs(runtime)).at(-1)!;
    expect(submitted.file).toBe('tiktok/Tiny/email_sha256/list.csv');
    expect(text).toContain(`Job: ${submitted.jobId} (failed)`);
    expect(text).toMatch(/Why \(AU_AUDIENCE_TOO_SMALL\): .*1,?000/);
    expect(text).toContain('Nothing of this file reached the audience.');
    expect(text).toContain('put the file back under dropzone/');
    expect(sandbox.server.platforms.tiktok.audiences().some((audience) => audience.name === 'Tiny')).toBe(false);
  });
});

describe('drop zone on S3 (s3rver)', () => {
  let s: Setup;
  let dropzone: Dropzone | undefined;
  const events: DropzoneEvent[] = [];
  beforeAll(async () => {
    s = await setup('s3');
  });
  afterAll(async () => {
    await dropzone?.stop();
    await s?.close();
  });

  it('leaves a file that changed too recently for a later scan', async () => {
    await s.runtime.storage.write('dropzone/tiktok/Fresh/email_sha256/list.csv', `${hashes(0, 10).join('\n')}\n`);
    const result = await scanDropzone(s.runtime, { settleMs: 60_000 });
    expect(result).toEqual({ events: [], waiting: 0, unsettled: 1 });
    expect(await keys(s.runtime, 'dropzone')).toEqual(['dropzone/tiktok/Fresh/email_sha256/list.csv']);
    await s.runtime.storage.delete('dropzone/tiktok/Fresh/email_sha256/list.csv');
  });

  it('uploads hashed files to one audience; a wrong folder or unhashed values go to failed/ with the reason', async () => {
    dropzone = await startDropzone(s.runtime, { intervalMs: 300, settleMs: 0, onEvent: (event) => events.push(event) });
    await dropAndCheck(s);
    expect(events.filter((event) => event.kind === 'error')).toEqual([]);
    expect(events.map((event) => event.kind).sort()).toEqual(['claimed', 'claimed', 'claimed', 'claimed', 'failed', 'failed', 'processed', 'processed', 'submitted', 'submitted']);
  });
});
