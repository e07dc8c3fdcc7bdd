import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertJob, setJobState } from '../db/queries/jobs.js';
import { retryJob } from './client.js';
import { listAudit } from '../db/queries/audit.js';
import { openRuntime, type Runtime } from './runtime.js';
import { sweepRetention } from './retention.js';

let runtime: Runtime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'au-retention-'));
  runtime = await openRuntime({ dataDir, env: { AU_DROPZONE: 'off' } });
});

afterAll(async () => {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('retention', () => {
  it('deletes the batch files of failed jobs and old scratch folders after the retention period, not before', async () => {
    const spec = { platform: 'tiktok', audience: { name: 'Old' }, mode: 'append' as const, inputs: { local: ['/x.csv'] }, mappings: [{ column: 'email', type: 'EMAIL' as const }] };
    const old = await insertJob(runtime.db, { kind: 'upload', spec, createdBy: 'test' });
    const recent = await insertJob(runtime.db, { kind: 'upload', spec, createdBy: 'test' });
    for (const job of [old, recent]) {
      await runtime.db.query(`UPDATE jobs SET work_prefix = $2 WHERE id::text = $1`, [job.id, `jobs/${job.id}`]);
      await runtime.storage.write(`jobs/${job.id}/out/EMAIL_SHA256-00001.csv`, 'ab\n');
      await setJobState(runtime.db, job.id, 'dead', { finished: true, error: { code: 'AU_PLATFORM_UNAVAILABLE', message: 'down' } });
    }
    await runtime.db.query(`INSERT INTO batches (job_id, seq, kind, files, rows, checksum, params, depends_on, state, attempts, updated_at)
      SELECT id, 1, 'upload-file', '[]'::jsonb, 1, 'x', '{}'::jsonb, '{}', 'dead', 1, now() FROM jobs WHERE id::text = $1`, [old.id]);
    await runtime.db.query(`UPDATE jobs SET finished_at = now() - interval '8 days' WHERE id::text = $1`, [old.id]);
    const scratch = join(dataDir, 'work', 'stale');
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, 'x'), 'hashes');
    const eightDaysAgo = (Date.now() - 8 * 24 * 3600 * 1000) / 1000;
    utimesSync(scratch, eightDaysAgo, eightDaysAgo);

    const swept = await sweepRetention(runtime, 7);
    expect(swept).toEqual({ jobs: 1, folders: 1 });
    expect((await runtime.storage.list(`jobs/${old.id}`, { recursive: true })).objects).toEqual([]);
    expect((await runtime.storage.list(`jobs/${recent.id}`, { recursive: true })).objects).toHaveLength(1);
    expect(existsSync(scratch)).toBe(false);
    await expect(retryJob(runtime, old.id, 'test')).rejects.toThrow(/deleted after AU_RETENTION_DAYS/);
    // A refused retry leaves no audit entry: the entry commits with the change or not at all.
    expect((await listAudit(runtime.db, { limit: 10 })).filter((entry) => entry.action === 'job.retried')).toEqual([]);
  });
});
