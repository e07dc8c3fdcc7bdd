import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { metaEmailPhoneMembers, people, tiktokEmailMembers, writePeopleCsv } from '../testing/people-file.js';
import { runUpload } from './upload.js';

/** An upload that stops half-way leaves a checkpoint; the same command continues it without resending. */
let sandbox: SandboxFixture;
let work: string;

beforeAll(async () => {
  // TikTok audiences stay "processing" for a moment after each change, as the real platform's do for hours.
  sandbox = await startSandbox({ tiktok: { processingMs: 1500 } });
  work = mkdtempSync(join(tmpdir(), 'au-resume-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

const quick = { retryPolicy: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } };

describe('resume', () => {
  it('Meta: an outage mid-upload fails with a clear error; running again sends only the batches not yet accepted', async () => {
    const dataDir = mkdtempSync(join(work, 'meta-'));
    const input = join(work, 'meta.csv');
    const rows = people(0, 60_000);
    writePeopleCsv(input, rows);
    const options = {
      inputs: [input],
      destination: 'meta',
      mappings: [
        { column: 'email', type: 'EMAIL' as const },
        { column: 'phone', type: 'PHONE' as const },
      ],
      mode: 'append' as const,
      audienceName: 'Resumed',
      dataDir,
      env: sandbox.env,
      defaultCountry: 'US',
      concurrency: 1,
      ...quick,
    };
    let sent = 0;
    const first = await runUpload({
      ...options,
      events: {
        onBatch: (batch) => {
          // The platform goes down after the third row batch.
          if (batch.kind === 'send-rows' && ++sent === 3) sandbox.faults('meta', { serverErrorRate: 1 });
        },
      },
    });
    expect(first.complete).toBe(false);
    expect(first.accepted).toBe(false);
    expect(first.error?.code).toBe('AU_PLATFORM_UNAVAILABLE');
    expect(first.error?.message).toMatch(/gave up after 3 attempts/);
    const audienceId = first.audience.id!;
    const appliedBefore = sandbox.stats('meta').applied.filter((b) => b.audienceId === audienceId).length;
    expect(appliedBefore).toBe(3);

    sandbox.faults('meta', { serverErrorRate: 0 });
    let alreadyDone = -1;
    const second = await runUpload({ ...options, events: { onPlan: (_plan, done) => void (alreadyDone = done) } });
    expect(second.accepted).toBe(true);
    expect(second.audience.id).toBe(audienceId);
    // create + 3 row batches were done by the first run.
    expect(alreadyDone).toBe(4);
    expect(sandbox.members('meta', audienceId)).toEqual(metaEmailPhoneMembers(rows));
    const stats = sandbox.stats('meta');
    expect(stats.applied.filter((b) => b.audienceId === audienceId).length).toBe(6);
    expect(stats.replaysIgnored).toBe(0);
    expect(stats.appliedTwice).toEqual([]);
  });

  it('TikTok: an audience still processing is a clear error; running again later reuses the uploaded file', async () => {
    const dataDir = mkdtempSync(join(work, 'tiktok-'));
    const firstInput = join(work, 'tiktok-1.csv');
    const secondInput = join(work, 'tiktok-2.csv');
    writePeopleCsv(firstInput, people(0, 1200));
    writePeopleCsv(secondInput, people(1200, 1500));
    const base = { destination: 'tiktok', mappings: [{ column: 'email', type: 'EMAIL' as const }], mode: 'append' as const, audienceName: 'Busy', dataDir, env: sandbox.env, ...quick };
    const created = await runUpload({ ...base, inputs: [firstInput] });
    expect(created.accepted).toBe(true);

    const busy = await runUpload({ ...base, inputs: [secondInput] });
    expect(busy.error?.code).toBe('AU_AUDIENCE_BUSY');
    expect(busy.error?.message).toMatch(/still processing.*run the same command again later/);
    const uploadsBefore = sandbox.stats('tiktok').requests;

    await new Promise((resolve) => setTimeout(resolve, 1600));
    let alreadyDone = -1;
    const later = await runUpload({ ...base, inputs: [secondInput], events: { onPlan: (_plan, done) => void (alreadyDone = done) } });
    expect(later.accepted).toBe(true);
    expect(alreadyDone).toBe(1);
    // Credentials check, stored-id lookup, then only the update: the file was not uploaded again.
    expect(sandbox.stats('tiktok').requests - uploadsBefore).toBe(3);
    expect(sandbox.members('tiktok', created.audience.id!)).toEqual(tiktokEmailMembers(people(0, 1500)));
  });
});
