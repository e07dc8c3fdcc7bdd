import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { metaEmailPhoneMembers, people, tiktokEmailMembers, writePeopleCsv, type Person } from '../testing/people-file.js';
import { runUpload, type UploadOptions } from './upload.js';

/**
 * The platforms misbehave: 30% rate-limit answers, 5% server errors, 2% dropped connections, HTML instead of
 * JSON, and slow answers that outlast the client's timeout. Every mode must still end with the exact membership,
 * and no batch may take effect twice.
 */
let sandbox: SandboxFixture;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  work = mkdtempSync(join(tmpdir(), 'au-faults-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

const HOSTILE = { rateLimitRate: 0.3, serverErrorRate: 0.05, dropRate: 0.02, garbageRate: 0.02, slowRate: 0.05, slowMs: 1500, seed: 7 };

let inputs = 0;
function csv(rows: readonly Person[]): string {
  const path = join(work, `input-${++inputs}.csv`);
  writePeopleCsv(path, rows);
  return path;
}

function upload(dataDir: string, options: Pick<UploadOptions, 'inputs' | 'destination' | 'mappings' | 'mode'> & Partial<UploadOptions>) {
  return runUpload({
    dataDir,
    env: sandbox.env,
    defaultCountry: 'US',
    // Slow answers (1.5 s) outlast this timeout, so the client gives up on them and sends again.
    retryPolicy: { baseDelayMs: 5, maxDelayMs: 100, timeoutMs: 1000, maxAttempts: 10, maxThrottledAttempts: 60 },
    ...options,
  });
}

const minus = (rows: readonly Person[], removed: readonly Person[]) => {
  const gone = new Set(removed.map((p) => p.email));
  return rows.filter((p) => !gone.has(p.email));
};

describe.each([
  { destination: 'tiktok' as const, mappings: [{ column: 'email', type: 'EMAIL' as const }], expected: tiktokEmailMembers, size: 3000 },
  {
    destination: 'meta' as const,
    mappings: [
      { column: 'email', type: 'EMAIL' as const },
      { column: 'phone', type: 'PHONE' as const },
    ],
    expected: metaEmailPhoneMembers,
    // 10,000 rows per request: 8 batches per upload.
    size: 80_000,
  },
])('$destination under faults', ({ destination, mappings, expected, size }) => {
  it('append, remove and replace end with the exact membership; no batch applied twice', async () => {
    sandbox.faults(destination, HOSTILE);
    const dataDir = mkdtempSync(join(work, `${destination}-`));
    const first = people(0, size);
    const removed = people(0, size / 4);
    const replacement = people(size, size * 2);
    let retries = 0;
    const events = { onRetry: () => void retries++ };

    const created = await upload(dataDir, { inputs: [csv(first)], destination, mappings, mode: 'append', audienceName: 'Under fire', events });
    expect(created.error).toBeNull();
    const id = created.audience.id!;
    expect(sandbox.members(destination, id)).toEqual(expected(first));

    const afterRemove = await upload(dataDir, { inputs: [csv(removed)], destination, mappings, mode: 'remove', audienceId: id, events });
    expect(afterRemove.error).toBeNull();
    expect(sandbox.members(destination, id)).toEqual(expected(minus(first, removed)));

    const replaced = await upload(dataDir, { inputs: [csv(replacement)], destination, mappings, mode: 'replace', audienceId: id, events });
    expect(replaced.error).toBeNull();
    expect(replaced.accepted).toBe(true);
    expect(sandbox.members(destination, id)).toEqual(expected(replacement));

    const stats = sandbox.stats(destination);
    expect(stats.appliedTwice).toEqual([]);
    const keys = stats.applied.filter((batch) => batch.audienceId === id).map((batch) => `${batch.key}:${batch.operation}`);
    expect(new Set(keys).size).toBe(keys.length);
    // The faults did strike: otherwise this test proves nothing.
    expect(stats.faults['rate-limit']).toBeGreaterThan(0);
    expect(stats.faults['server-error'] + stats.faults.garbage + stats.faults.drop).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
    sandbox.faults(destination, { rateLimitRate: 0, serverErrorRate: 0, dropRate: 0, garbageRate: 0, slowRate: 0 });
  });
});

describe('each fault on its own', () => {
  it.each([
    ['dropped connections', { dropRate: 0.5 }, 'drop'],
    ['HTML instead of JSON', { garbageRate: 0.5 }, 'garbage'],
    ['slow answers past the timeout', { slowRate: 0.5, slowMs: 1500 }, 'slow'],
  ] as const)('%s: retried until accepted, exactly once', async (_name, settings, counter) => {
    sandbox.faults('meta', { seed: 11, ...settings });
    const dataDir = mkdtempSync(join(work, 'single-'));
    const rows = people(200_000, 230_000);
    const summary = await upload(dataDir, { inputs: [csv(rows)], destination: 'meta', mappings: [{ column: 'email', type: 'EMAIL' }, { column: 'phone', type: 'PHONE' }], mode: 'append', audienceName: `single ${counter}` });
    sandbox.faults('meta', { dropRate: 0, garbageRate: 0, slowRate: 0 });
    expect(summary.accepted).toBe(true);
    expect(sandbox.members('meta', summary.audience.id!)).toEqual(metaEmailPhoneMembers(rows));
    const stats = sandbox.stats('meta');
    expect(stats.faults[counter]).toBeGreaterThan(0);
    expect(stats.appliedTwice).toEqual([]);
  });
});
