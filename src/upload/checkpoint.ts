import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BatchOutcome, PlannedBatch, UploadMode } from '../destinations/definition.js';

/**
 * What an unfinished upload has done, so running the same command again continues instead of starting over:
 * the plan (with its Meta session id) and each finished batch's outcome (TikTok file paths, created audience id).
 * Issue 4 moves this into the database; until then it is one JSON file per upload, replaced atomically.
 */
export interface Checkpoint {
  version: 1;
  key: string;
  platform: string;
  account: string;
  audience: { id: string } | { name: string };
  mode: UploadMode;
  sessionId: string;
  plan: PlannedBatch[];
  audienceId: string | null;
  outcomes: Record<string, BatchOutcome>;
  /** Where this upload's batch files are. */
  workDir: string;
  startedAt: string;
}

/** Same destination account, audience, mode and output bytes → same upload. */
export function checkpointKey(parts: { platform: string; account: string; audience: { id: string } | { name: string }; mode: UploadMode; md5s: readonly string[] }): string {
  return createHash('sha256').update(JSON.stringify([parts.platform, parts.account, parts.audience, parts.mode, parts.md5s])).digest('hex').slice(0, 32);
}

export class CheckpointStore {
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  load(key: string): Checkpoint | null {
    const path = this.path(key);
    if (!existsSync(path)) return null;
    return JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  }

  save(checkpoint: Checkpoint): void {
    const path = this.path(checkpoint.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(checkpoint));
    renameSync(`${path}.tmp`, path);
  }

  remove(key: string): void {
    rmSync(this.path(key), { force: true });
  }
}
