import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { metaEmailPhoneMembers, people, tiktokEmailMembers, writePeopleCsv, type Person } from '../testing/people-file.js';
import { submitUploadJob, waitForJob } from './client.js';
import { openRuntime, type Runtime } from './runtime.js';
import { createTestDatabase } from '../db/test-kit.js';
import { startWorker } from './worker.js';
import type { UploadJobSpec } from './spec.js';

/** Diff sync: a second mirror of a changed list sends only the differences and leaves exactly the new list. */
let sandbox: SandboxFixture;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  work = mkdtempSync(join(tmpdir(), 'au-mirror-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

const settings = { pollingIntervalSeconds: 0.5, retryPolicy: { baseDelayMs: 5, maxDelayMs: 50 } };
let files = 0;
function csv(rows: readonly Person[]): string {
  const path = join(work, `input-${++files}.csv`);
  writePeopleCsv(path, rows);
  return path;
}

describe.each([
  { database: 'PGlite', url: async () => undefined },
  { database: 'PostgreSQL', url: createTestDatabase },
])('mirror on $database', ({ database, url }) => {
  let runtime: Runtime;
  let worker: { stop(): Promise<void> };
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = await url();
    dropDatabase = db?.drop;
    runtime = await openRuntime({ dataDir: mkdtempSync(join(work, 'data-')), env: { ...sandbox.env, ...(db ? { DATABASE_URL: db.url } : {}), AU_DROPZONE: 'off' }, settings, supervise: true });
    worker = await startWorker(runtime);
  });

  afterAll(async () => {
    await worker?.stop();
    await runtime?.close();
    await dropDatabase?.();
  });

  const a = people(0, 30_000);
  // B: A without its first 4,000, plus 6,000 new people.
  const b = [...a.slice(4_000), ...people(100_000, 106_000)];

  it.each([
    { platform: 'meta' as const, mappings: [{ column: 'email', type: 'EMAIL' as const }, { column: 'phone', type: 'PHONE' as const }], expected: metaEmailPhoneMembers },
    { platform: 'tiktok' as const, mappings: [{ column: 'email', type: 'EMAIL' as const }], expected: tiktokEmailMembers },
  ])('$platform: only the additions and removals are sent, and the audience ends as the second list', async ({ platform, mappings, expected }) => {
    const spec = (input: string, additive = false): UploadJobSpec => ({
      platform,
      audience: { name: `Mirror ${database} ${platform}` },
      mode: 'mirror',
      additive,
      inputs: { local: [input] },
      mappings,
      defaultCountry: 'US',
    });
    const first = await waitForJob(runtime, (await submitUploadJob(runtime, spec(csv(a)), 'test')).id, { timeoutMs: 60_000 });
    expect(first.state).toBe('done');
    const audienceId = first.platform_audience_id!;
    expect(sandbox.members(platform, audienceId)).toEqual(expected(a));
    const appliedBefore = sandbox.stats(platform).applied.length;

    const second = await waitForJob(runtime, (await submitUploadJob(runtime, spec(csv(b)), 'test')).id, { timeoutMs: 60_000 });
    expect(second.error).toBeNull();
    expect(second.platform_audience_id).toBe(audienceId);
    expect(sandbox.members(platform, audienceId)).toEqual(expected(b));
    const sent = sandbox.stats(platform).applied.slice(appliedBefore);
    const rowsBy = (operations: string[]) => sent.filter((batch) => operations.includes(batch.operation)).reduce((sum, batch) => sum + batch.rows, 0);
    expect(rowsBy(['add', 'APPEND'])).toBe(6_000);
    expect(rowsBy(['remove', 'REMOVE'])).toBe(4_000);

    // Additive: the next list's leavers stay in the audience.
    const c = b.slice(1_000);
    const third = await waitForJob(runtime, (await submitUploadJob(runtime, spec(csv(c), true), 'test')).id, { timeoutMs: 60_000 });
    expect(third.state).toBe('done');
    expect(sandbox.members(platform, audienceId)).toEqual(expected(b));
    expect(sandbox.stats(platform).appliedTwice).toEqual([]);
  });
});
