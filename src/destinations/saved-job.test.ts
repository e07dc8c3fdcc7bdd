import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitUploadJob, waitForJob } from '../jobs/client.js';
import { openRuntime, type Runtime } from '../jobs/runtime.js';
import type { UploadJobSpec } from '../jobs/spec.js';
import { createTestDatabase } from '../db/test-kit.js';
import { startWorker } from '../jobs/worker.js';
import { SANDBOX_CREDENTIALS } from '../sandbox/server.js';
import { metaEmailPhoneMembers, people, tiktokEmailMembers, writePeopleCsv } from '../testing/people-file.js';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { AuError } from '../errors.js';
import { createMasterKey } from '../vault/master-key.js';
import { saveDestination } from './saved.js';

/**
 * Jobs that name a saved destination: the worker opens its credentials from the vault, with no AU_TIKTOK_* or
 * AU_META_* variable in its environment; on PGlite and PostgreSQL.
 */
let sandbox: SandboxFixture;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  work = mkdtempSync(join(tmpdir(), 'au-saved-job-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

const settings = { pollingIntervalSeconds: 0.5, retryPolicy: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3 }, retryLimit: 2, retryDelaySeconds: 1 };

describe.each([
  { database: 'PGlite', url: async () => undefined },
  { database: 'PostgreSQL', url: createTestDatabase },
])('saved destinations in jobs on $database', ({ database, url }) => {
  let runtime: Runtime;
  let worker: { stop(): Promise<void> };
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = await url();
    dropDatabase = db?.drop;
    // No destination variable at all: only the database (and the master key comes from the data folder).
    const env = { ...(db ? { DATABASE_URL: db.url } : {}), AU_DROPZONE: 'off' };
    runtime = await openRuntime({ dataDir: mkdtempSync(join(work, 'data-')), env, settings, supervise: true });
    worker = await startWorker(runtime);
  });

  afterAll(async () => {
    await worker?.stop();
    await runtime?.close();
    await dropDatabase?.();
  });

  it('a job to a saved TikTok and one to a saved Meta destination end with the exact membership, and no secret is in the database', async () => {
    const master = await runtime.masterKey();
    const tiktok = await saveDestination(runtime.db, master, {
      platform: 'tiktok',
      name: 'Sandbox TikTok',
      credentials: { accessToken: SANDBOX_CREDENTIALS.tiktok.accessToken, advertiserId: SANDBOX_CREDENTIALS.tiktok.advertiserId },
      settings: { baseUrl: sandbox.baseUrl },
      sandbox: true,
    });
    const meta = await saveDestination(runtime.db, master, {
      platform: 'meta',
      name: 'Sandbox Meta',
      credentials: { accessToken: SANDBOX_CREDENTIALS.meta.accessToken, adAccountId: SANDBOX_CREDENTIALS.meta.adAccountId },
      settings: { baseUrl: sandbox.baseUrl },
      sandbox: true,
    });
    const input = join(work, `people-${randomBytes(3).toString('hex')}.csv`);
    const rows = people(0, 3_000);
    writePeopleCsv(input, rows);
    const tiktokJob = await submitUploadJob(
      runtime,
      { platform: 'tiktok', destinationId: tiktok.id, audience: { name: `Saved ${database}` }, mode: 'append', inputs: { local: [input] }, mappings: [{ column: 'email', type: 'EMAIL' }] },
      'test',
    );
    const metaJob = await submitUploadJob(
      runtime,
      {
        platform: 'meta',
        destinationId: meta.id,
        audience: { name: `Saved ${database}` },
        mode: 'mirror',
        inputs: { local: [input] },
        mappings: [
          { column: 'email', type: 'EMAIL' },
          { column: 'phone', type: 'PHONE' },
        ],
        defaultCountry: 'US',
      },
      'test',
    );
    const [tiktokDone, metaDone] = await Promise.all([waitForJob(runtime, tiktokJob.id, { timeoutMs: 60_000 }), waitForJob(runtime, metaJob.id, { timeoutMs: 60_000 })]);
    expect([tiktokDone.state, tiktokDone.error]).toEqual(['done', null]);
    expect([metaDone.state, metaDone.error]).toEqual(['done', null]);
    expect(sandbox.members('tiktok', tiktokDone.platform_audience_id!)).toEqual(tiktokEmailMembers(rows));
    expect(sandbox.members('meta', metaDone.platform_audience_id!)).toEqual(metaEmailPhoneMembers(rows));
    expect(tiktokDone.account).toBe(`tiktok:${SANDBOX_CREDENTIALS.tiktok.advertiserId}`);
    // The job row links the destination.
    const [linked] = await runtime.db.query<{ destination_id: number }>('SELECT destination_id FROM jobs WHERE id::text = $1', [tiktokJob.id]);
    expect(linked?.destination_id).toBe(tiktok.id);

    // Neither our tables nor pg-boss's hold a token in clear (the ciphertext column is left out).
    const tables = await runtime.db.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
    );
    expect(tables.some((table) => table.schema === 'pgboss')).toBe(true);
    let dump = '';
    for (const table of tables) {
      const rowsOfTable = await runtime.db.query<{ row: string }>(`SELECT (to_jsonb(t) - 'ciphertext')::text AS row FROM "${table.schema}"."${table.name}" t`);
      dump += rowsOfTable.map((row) => row.row).join('\n');
    }
    expect(dump).toContain('Sandbox TikTok');
    expect(dump).not.toContain(SANDBOX_CREDENTIALS.tiktok.accessToken);
    expect(dump).not.toContain(SANDBOX_CREDENTIALS.meta.accessToken);
  });

  it('a destination sealed under another master key fails the job with AU_VAULT_KEY_MISMATCH', async () => {
    const other = createMasterKey(randomBytes(32));
    const destination = await saveDestination(runtime.db, other, {
      platform: 'tiktok',
      name: 'Other key',
      credentials: { accessToken: SANDBOX_CREDENTIALS.tiktok.accessToken, advertiserId: SANDBOX_CREDENTIALS.tiktok.advertiserId },
      settings: { baseUrl: sandbox.baseUrl },
    });
    const input = join(work, `people-${randomBytes(3).toString('hex')}.csv`);
    writePeopleCsv(input, people(10_000, 11_200));
    const job = await submitUploadJob(
      runtime,
      { platform: 'tiktok', destinationId: destination.id, audience: { name: `Other key ${database}` }, mode: 'append', inputs: { local: [input] }, mappings: [{ column: 'email', type: 'EMAIL' }] },
      'test',
    );
    const failed = await waitForJob(runtime, job.id, { timeoutMs: 30_000 });
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('AU_VAULT_KEY_MISMATCH');
    expect(failed.error?.message).toMatch(/Saved destination "Other key": .*set AU_MASTER_KEY/);
    expect(sandbox.server.platforms.tiktok.audiences().some((a) => a.name === `Other key ${database}`)).toBe(false);
  });

  it('a job naming a missing destination, or one of another platform, is refused at submission', async () => {
    const spec: UploadJobSpec = { platform: 'meta', destinationId: 999_999, audience: { name: 'x' }, mode: 'append', inputs: { local: ['x.csv'] }, mappings: [{ column: 'email', type: 'EMAIL' }] };
    await expect(submitUploadJob(runtime, spec, 'test')).rejects.toMatchObject({ code: 'AU_DESTINATION_NOT_FOUND' });
    const [tiktok] = await runtime.db.query<{ id: number }>(`SELECT id FROM destinations WHERE name = 'Sandbox TikTok'`);
    const error = await submitUploadJob(runtime, { ...spec, destinationId: tiktok!.id }, 'test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuError);
    expect(error).toMatchObject({ code: 'AU_OPTION_INVALID', message: expect.stringMatching(/saved destination "Sandbox TikTok" is TikTok Ads/) });
  });
});
