import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { forgetWorkFiles, jobsPastRetention } from '../db/queries/jobs.js';
import type { Runtime } from './runtime.js';

/**
 * Hashed intermediates are deleted as soon as the platform has them (see send-batch.ts). What stays is the batch
 * files of jobs that failed, died or were cancelled (kept so `jobs retry` can send them), and local scratch
 * folders; after `AU_RETENTION_DAYS` (default 7) they are deleted too.
 */
export async function sweepRetention(runtime: Runtime, days: number, now = Date.now()): Promise<{ jobs: number; folders: number }> {
  const stale = await jobsPastRetention(runtime.db, days);
  for (const job of stale) {
    await runtime.storage.deletePrefix(job.work_prefix);
    await forgetWorkFiles(runtime.db, job.id);
  }
  let folders = 0;
  const cutoff = now - days * 24 * 3600 * 1000;
  for (const dir of [join(runtime.dataDir, 'work'), join(runtime.dataDir, 'uploads', 'work'), join(runtime.dataDir, 'uploads', 'dry-runs')]) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      if (statSync(path).mtimeMs < cutoff) {
        rmSync(path, { recursive: true, force: true });
        folders++;
      }
    }
  }
  return { jobs: stale.length, folders };
}

export function retentionDays(env: NodeJS.ProcessEnv): number {
  const days = Number(env.AU_RETENTION_DAYS ?? 7);
  return Number.isFinite(days) && days >= 0 ? days : 7;
}
