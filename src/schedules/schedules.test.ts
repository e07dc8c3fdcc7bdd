import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../db/queries/audit.js';
import { getJob } from '../db/queries/jobs.js';
import { removeDestination, saveDestination } from '../destinations/saved.js';
import { AuError } from '../errors.js';
import { waitForJob } from '../jobs/client.js';
import { openRuntime, type Runtime } from '../jobs/runtime.js';
import type { UploadJobSpec } from '../jobs/spec.js';
import { createTestDatabase } from '../db/test-kit.js';
import { startWorker } from '../jobs/worker.js';
import { SANDBOX_CREDENTIALS } from '../sandbox/server.js';
import { metaEmailPhoneMembers, people, writePeopleCsv, type Person } from '../testing/people-file.js';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { createSchedule, listSchedules, removeSchedule, runScheduleNow, scheduleQueue, SCHEDULE_QUEUE_PREFIX } from './schedules.js';

/** Schedules: cron validation, registration with pg-boss, and runs that submit their job; on PGlite and PostgreSQL. */
let sandbox: SandboxFixture;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  work = mkdtempSync(join(tmpdir(), 'au-schedules-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

// pg-boss checks crons every second here (30 s by default).
const settings = { pollingIntervalSeconds: 0.5, retryPolicy: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3 }, retryLimit: 2, retryDelaySeconds: 1, cronCheckIntervalSeconds: 1 };

async function rejection(promise: Promise<unknown>): Promise<AuError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuError);
    return error as AuError;
  }
  throw new Error('expected a rejection');
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each([
  { database: 'PGlite', url: async () => undefined },
  { database: 'PostgreSQL', url: createTestDatabase },
])('schedules on $database', ({ database, url }) => {
  let runtime: Runtime;
  let worker: { stop(): Promise<void> };
  let dropDatabase: (() => Promise<void>) | undefined;
  let files = 0;

  beforeAll(async () => {
    const db = await url();
    dropDatabase = db?.drop;
    const env = { ...sandbox.env, ...(db ? { DATABASE_URL: db.url } : {}), AU_DROPZONE: 'off', AU_SCHEDULE_POLLING_SECONDS: '0.5' };
    runtime = await openRuntime({ dataDir: mkdtempSync(join(work, 'data-')), env, settings, supervise: true });
    worker = await startWorker(runtime);
  });

  afterAll(async () => {
    await worker?.stop();
    await runtime?.close();
    await dropDatabase?.();
  });

  /** Writes the people into storage under `key` (replacing what was there). */
  async function store(key: string, rows: readonly Person[]): Promise<void> {
    const local = join(work, `people-${database}-${++files}.csv`);
    writePeopleCsv(local, rows);
    await runtime.storage.writeFile(key, local);
  }

  const spec = (key: string, audience: string): UploadJobSpec => ({
    platform: 'meta',
    audience: { name: audience },
    mode: 'mirror',
    inputs: { storage: [key] },
    mappings: [
      { column: 'email', type: 'EMAIL' },
      { column: 'phone', type: 'PHONE' },
    ],
    defaultCountry: 'US',
  });

  async function ourCrons(): Promise<{ name: string; cron: string; timezone?: string }[]> {
    return ((await runtime.boss.getSchedules()) as { name: string; cron: string; timezone?: string }[]).filter((s) => s.name.startsWith(SCHEDULE_QUEUE_PREFIX));
  }

  it('refuses a cron expression that does not parse, or an unknown time zone, clearly and leaving nothing behind', async () => {
    const cases: [string, string | undefined, RegExp][] = [
      ['61 * * * *', undefined, /"61 \* \* \* \*" is not valid \(Constraint error, got value 61 expected range 0-59\)/],
      ['0 25 * * *', undefined, /"0 25 \* \* \*" is not valid \(Constraint error, got value 25 expected range 0-23\)/],
      ['every day at 3', undefined, /is not valid \(it has 4 fields, not 5\)/],
      ['0 3 * *', undefined, /it has 4 fields, not 5/],
      ['0 0 3 * * *', undefined, /it has 6 fields, not 5/],
      ['*/0 * * * *', undefined, /cannot repeat at every 0 time/],
      ['', undefined, /it is empty/],
      ['@sometimes', undefined, /unknown shortcut @sometimes/],
      ['0 3 * * *', 'Mars/Olympus', /Unknown time zone "Mars\/Olympus": use an IANA name/],
    ];
    for (const [cron, timezone, message] of cases) {
      const error = await rejection(createSchedule(runtime, { name: `bad ${cron}`, cron, timezone, spec: spec('exports/bad.csv', 'Bad') }));
      expect(error.code).toBe('AU_SCHEDULE_INVALID');
      expect(error.message).toMatch(message);
      if (!timezone) expect(error.message).toContain('e.g. "0 3 * * *" (03:00 every day)');
    }
    // An invalid job is refused too, before anything is stored.
    const local = await rejection(createSchedule(runtime, { name: 'local', cron: '0 3 * * *', spec: { ...spec('x', 'x'), inputs: { local: ['/tmp/x.csv'] } } }));
    expect(local.message).toMatch(/reads its input from storage/);
    const unsupported = await rejection(createSchedule(runtime, { name: 'idfa', cron: '0 3 * * *', spec: { ...spec('x', 'x'), platform: 'tiktok', mappings: [{ column: 'fn', type: 'FN' }] } }));
    expect(unsupported.code).toBe('AU_MAPPING_UNSUPPORTED');
    expect((await rejection(createSchedule(runtime, { name: 'up', cron: '0 3 * * *', spec: spec('../etc/passwd', 'x') }))).code).toBe('AU_STORAGE_PATH_INVALID');

    expect(await listSchedules(runtime)).toEqual([]);
    expect(await ourCrons()).toEqual([]);
    expect((await runtime.boss.getQueues()).filter((queue) => queue.name.startsWith(SCHEDULE_QUEUE_PREFIX))).toEqual([]);
  });

  it('create, list and remove: the pg-boss cron and queue come and go with the schedule', async () => {
    const created = await createSchedule(runtime, { name: 'Nightly', cron: '0  3 * * *', timezone: 'Europe/Paris', spec: spec('exports/nightly/', 'Nightly') }, { actor: 'test' });
    expect(created).toMatchObject({ name: 'Nightly', cron: '0 3 * * *', timezone: 'Europe/Paris', enabled: true, registered: true, lastRunAt: null, lastJob: null, destination: null });
    expect(created.spec.inputs).toEqual({ storage: ['exports/nightly'] });
    expect(await ourCrons()).toEqual([expect.objectContaining({ name: scheduleQueue(created.id), cron: '0 3 * * *', timezone: 'Europe/Paris' })]);
    expect((await rejection(createSchedule(runtime, { name: 'Nightly', cron: '@daily', spec: spec('exports/x', 'x') }))).code).toBe('AU_ALREADY_EXISTS');
    // The refused duplicate left the first one's cron alone.
    expect(await ourCrons()).toEqual([expect.objectContaining({ name: scheduleQueue(created.id), cron: '0 3 * * *' })]);

    const hourly = await createSchedule(runtime, { name: 'Hourly', cron: '@HOURLY', spec: spec('exports/hourly.csv', 'Hourly') });
    expect(hourly.cron).toBe('@hourly');
    expect((await listSchedules(runtime)).map((s) => [s.name, s.registered])).toEqual([
      ['Hourly', true],
      ['Nightly', true],
    ]);

    const removed = await removeSchedule(runtime, 'Nightly', { actor: 'test' });
    expect(removed.id).toBe(created.id);
    expect((await listSchedules(runtime)).map((s) => s.name)).toEqual(['Hourly']);
    expect((await ourCrons()).map((s) => s.name)).toEqual([scheduleQueue(hourly.id)]);
    expect(await runtime.boss.getQueue(scheduleQueue(created.id))).toBeNull();
    expect((await rejection(removeSchedule(runtime, 'Nightly'))).code).toBe('AU_SCHEDULE_NOT_FOUND');
    expect((await rejection(runScheduleNow(runtime, 'Nightly'))).code).toBe('AU_SCHEDULE_NOT_FOUND');

    // A schedule deleted behind pg-boss's back (as with its destination) loses its cron at the worker's next pass.
    await runtime.db.query('DELETE FROM schedules WHERE id = $1', [hourly.id]);
    await until(ourCrons, (crons) => crons.length === 0);
    expect(await runtime.boss.getQueue(scheduleQueue(hourly.id))).toBeNull();

    // (Runs are left out: a test started at 03:00 in Paris would see one.)
    const audit = (await listAudit(runtime.db, { limit: 10, targetType: 'schedule', targetId: created.id })).filter((entry) => !entry.action.startsWith('schedule.run'));
    expect(audit.map((entry) => [entry.action, entry.actor]).reverse()).toEqual([
      ['schedule.created', 'test'],
      ['schedule.removed', 'test'],
    ]);
  });

  it('a schedule fires: its message submits the stored job, which mirrors the input onto the sandbox; run now does it again', async () => {
    const key = `exports/${database}/segment.csv`;
    const first = people(0, 2_000);
    await store(key, first);
    // Due once a year only: pg-boss must not fire it by itself during the test.
    const schedule = await createSchedule(runtime, { name: 'Mirror', cron: '0 0 1 1 *', spec: spec(key, `Scheduled ${database}`) });

    // What pg-boss's timekeeper does when the expression is due: a message on the schedule's queue.
    const messageId = await runtime.boss.send(scheduleQueue(schedule.id), { scheduleId: schedule.id });
    const fired = await until(
      async () => (await listSchedules(runtime))[0]!,
      (s) => s.lastJob !== null,
    );
    expect(fired.lastRunAt).toBeInstanceOf(Date);
    const job = await getJob(runtime.db, fired.lastJob!.id);
    expect(job?.options).toEqual(schedule.spec);
    expect(job?.created_by).toBe('scheduler');
    const [link] = await runtime.db.query<{ schedule_id: number }>('SELECT schedule_id FROM jobs WHERE id::text = $1', [job!.id]);
    expect(link?.schedule_id).toBe(schedule.id);
    const done = await waitForJob(runtime, job!.id, { timeoutMs: 60_000 });
    expect([done.state, done.error]).toEqual(['done', null]);
    expect(sandbox.members('meta', done.platform_audience_id!)).toEqual(metaEmailPhoneMembers(first));

    // The export changes; run now: the mirror leaves exactly the new list.
    const second = [...first.slice(500), ...people(50_000, 50_300)];
    await store(key, second);
    const again = await runScheduleNow(runtime, 'Mirror', { actor: 'test' });
    // Two runs of one schedule never overlap.
    const overlapping = await rejection(runScheduleNow(runtime, 'Mirror'));
    expect(overlapping.code).toBe('AU_JOB_STATE');
    expect(overlapping.message).toContain(`previous job ${again.id} is still`);
    const doneAgain = await waitForJob(runtime, again.id, { timeoutMs: 60_000 });
    expect([doneAgain.state, doneAgain.error]).toEqual(['done', null]);
    expect(doneAgain.platform_audience_id).toBe(done.platform_audience_id);
    expect(sandbox.members('meta', done.platform_audience_id!)).toEqual(metaEmailPhoneMembers(second));

    const runs = await listAudit(runtime.db, { limit: 10, targetType: 'schedule', targetId: schedule.id });
    expect(runs.map((entry) => [entry.action, entry.actor, entry.details.jobId]).reverse()).toEqual([
      ['schedule.created', 'cli', undefined],
      ['schedule.run', 'scheduler', job!.id],
      ['schedule.run', 'test', again.id],
    ]);
    // The run's transaction took the message off the queue, so the queue goes with the schedule.
    expect(await runtime.boss.getJobById(scheduleQueue(schedule.id), messageId!, { includeArchive: true })).toBeNull();
    await removeSchedule(runtime, 'Mirror');
    expect(await runtime.boss.getQueue(scheduleQueue(schedule.id))).toBeNull();
  });

  it('a schedule can send to a saved destination, which cannot be removed while the schedule exists', async () => {
    const saved = await saveDestination(runtime.db, await runtime.masterKey(), {
      platform: 'meta',
      name: 'Meta for schedules',
      credentials: { accessToken: SANDBOX_CREDENTIALS.meta.accessToken, adAccountId: SANDBOX_CREDENTIALS.meta.adAccountId },
      settings: { baseUrl: sandbox.baseUrl },
    });
    const schedule = await createSchedule(runtime, { name: 'Weekly', cron: '0 0 1 1 *', spec: { ...spec('exports/weekly.csv', 'Weekly'), destinationId: saved.id } });
    expect(schedule.destination).toEqual({ id: saved.id, name: 'Meta for schedules' });
    const inUse = await rejection(removeDestination(runtime.db, 'Meta for schedules'));
    expect(inUse.code).toBe('AU_DESTINATION_IN_USE');
    expect(inUse.message).toContain('"Weekly"');
    await removeSchedule(runtime, 'Weekly');
    await removeDestination(runtime.db, 'Meta for schedules');
    const missing = await rejection(createSchedule(runtime, { name: 'Orphan', cron: '0 6 * * 1', spec: { ...spec('exports/weekly.csv', 'Weekly'), destinationId: saved.id } }));
    expect(missing.code).toBe('AU_DESTINATION_NOT_FOUND');
  });

  it('pg-boss fires a cron by itself (every minute is always due) and the worker runs the schedule', async () => {
    const schedule = await createSchedule(runtime, { name: 'Every minute', cron: '* * * * *', spec: spec('exports/not-there-yet.csv', 'Every minute') });
    const fired = await until(
      async () => (await listSchedules(runtime)).find((s) => s.id === schedule.id)!,
      (s) => s.lastJob !== null,
      30_000,
    );
    const job = await getJob(runtime.db, fired.lastJob!.id);
    expect(job?.created_by).toBe('scheduler');
    // The input is missing: the job fails clearly, naming it.
    const failed = await waitForJob(runtime, job!.id, { timeoutMs: 30_000 });
    expect(failed.state).toBe('failed');
    expect(failed.error?.message).toContain('exports/not-there-yet.csv');
    await removeSchedule(runtime, 'Every minute');
  });
});
