import PgBoss from 'pg-boss';
import { afterAll, describe, expect, it } from 'vitest';
import { bossDb } from './boss.js';
import type { Database } from './database.js';
import { listAudit, recordAudit } from './queries/audit.js';
import { BACKENDS, beforeAllOrFail, createTarget, sleep } from './test-kit.js';
import type { TestTarget } from './test-kit.js';

const QUEUE = 'au-test';

describe.each(BACKENDS)('pg-boss 10 on %s', (kind) => {
  let target: TestTarget;
  let db: Database;
  let boss: PgBoss;
  const errors: unknown[] = [];

  beforeAllOrFail(async () => {
    target = await createTarget(kind);
    db = await target.open();
    // Defaults (supervise, schedule, migrate all on) work on both backends; nothing to switch off for PGlite.
    boss = new PgBoss({ db: bossDb(db), schema: 'pgboss' });
    boss.on('error', (error) => errors.push(error));
    await boss.start();
    await boss.createQueue(QUEUE, { name: QUEUE, retryLimit: 1 });
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true });
    await target?.cleanup();
  });

  it('sends, fetches and completes a job', async () => {
    const data = { jobId: 'e1a1', list: [1, 'two', { three: 3 }], text: 'it\'s "quoted"' };
    const id = await boss.send(QUEUE, data);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [job, ...more] = await boss.fetch<typeof data>(QUEUE);
    expect(more).toEqual([]);
    expect(job).toMatchObject({ id, name: QUEUE, data });
    await boss.complete(QUEUE, id!, { accepted: 42 });
    expect(await boss.getJobById(QUEUE, id!)).toMatchObject({ state: 'completed', output: { accepted: 42 }, data });
    expect(await boss.fetch(QUEUE)).toEqual([]);
  });

  it('runs a worker', async () => {
    let resolveSeen!: (data: unknown) => void;
    const seen = new Promise((resolve) => {
      resolveSeen = resolve;
    });
    await boss.work<{ n: number }>(QUEUE, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      resolveSeen(job!.data);
      return { doubled: job!.data.n * 2 };
    });
    const id = await boss.send(QUEUE, { n: 21 });
    expect(await seen).toEqual({ n: 21 });
    let state: string | undefined;
    for (let i = 0; i < 50 && state !== 'completed'; i++) {
      state = (await boss.getJobById(QUEUE, id!))?.state;
      if (state !== 'completed') await sleep(100);
    }
    expect(await boss.getJobById(QUEUE, id!)).toMatchObject({ state: 'completed', output: { doubled: 42 } });
    await boss.offWork(QUEUE);
  });

  it('sends and completes jobs inside our own transactions', async () => {
    // Rolled back: neither our row nor the job exists.
    await expect(
      db.transaction(async (tx) => {
        await recordAudit(tx, { actor: 'cli', action: 'boss.tx', targetId: 'rolled-back' });
        await boss.send(QUEUE, { step: 'rolled-back' }, { db: bossDb(tx) });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await boss.fetch(QUEUE)).toEqual([]);

    // Committed: both exist.
    const id = await db.transaction(async (tx) => {
      await recordAudit(tx, { actor: 'cli', action: 'boss.tx', targetId: 'committed' });
      return boss.send(QUEUE, { step: 'committed' }, { db: bossDb(tx) });
    });
    expect((await listAudit(db, { limit: 10 })).map((e) => e.targetId)).toEqual(['committed']);
    const [job] = await boss.fetch(QUEUE);
    expect(job).toMatchObject({ id, data: { step: 'committed' } });

    // Completing in a transaction that rolls back leaves the job active, to be retried.
    await expect(
      db.transaction(async (tx) => {
        await boss.complete(QUEUE, id!, { done: true }, { db: bossDb(tx) });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await boss.getJobById(QUEUE, id!))?.state).toBe('active');
    await db.transaction(async (tx) => boss.complete(QUEUE, id!, { done: true }, { db: bossDb(tx) }));
    expect((await boss.getJobById(QUEUE, id!))?.state).toBe('completed');
  });

  it('fails and retries a job, and runs its maintenance (multi-statement SQL)', async () => {
    const id = await boss.send(QUEUE, { attempt: 1 });
    await boss.fetch(QUEUE);
    await boss.fail(QUEUE, id!, { code: 'AU_PLATFORM_UNAVAILABLE' });
    expect(await boss.getJobById(QUEUE, id!)).toMatchObject({ state: 'retry' });
    const [retried] = await boss.fetch(QUEUE);
    expect(retried?.id).toBe(id);
    expect(await boss.getJobById(QUEUE, id!)).toMatchObject({ state: 'active', retryCount: 1 });
    await boss.fail(QUEUE, id!, { code: 'AU_PLATFORM_UNAVAILABLE' });
    expect(await boss.getJobById(QUEUE, id!)).toMatchObject({ state: 'failed', output: { code: 'AU_PLATFORM_UNAVAILABLE' } });

    // BEGIN; SET LOCAL ...; advisory lock; expire, archive, drop; COMMIT: parameterless text of several statements.
    await boss.maintain();
    expect(errors).toEqual([]);
    expect(await boss.getQueueSize(QUEUE)).toBe(0);
  });

  it('starts again on an installed schema', async () => {
    const second = new PgBoss({ db: bossDb(db), schema: 'pgboss', supervise: false, schedule: false });
    second.on('error', (error) => errors.push(error));
    await second.start();
    expect(await second.getQueue(QUEUE)).toMatchObject({ name: QUEUE, retryLimit: 1 });
    // Cron schedules (the timekeeper's SQL).
    await second.schedule(QUEUE, '*/5 * * * *', { kind: 'sync' }, { tz: 'Europe/Paris' });
    expect(await second.getSchedules()).toMatchObject([{ name: QUEUE, cron: '*/5 * * * *', timezone: 'Europe/Paris', data: { kind: 'sync' } }]);
    await second.unschedule(QUEUE);
    expect(await second.getSchedules()).toEqual([]);
    await second.stop({ graceful: false, wait: true });
    expect(errors).toEqual([]);
  });
});
