import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Queryable } from '../db/database.js';
import { recordAudit } from '../db/queries/audit.js';
import { getJob, listBatches, type JobRow } from '../db/queries/jobs.js';
import { isAuError } from '../errors.js';
import { queueUploadJob } from '../jobs/client.js';
import type { Runtime } from '../jobs/runtime.js';
import { FINAL_JOB_STATES, type UploadJobSpec } from '../jobs/spec.js';
import type { StoredObject } from '../storage/storage.js';
import { copyHashes } from './hashes.js';
import { DROPZONE_ROOT, FAILED_ROOT, PROCESSED_ROOT, WORK_ROOT, isIgnoredName, isSettled, keyTimestamp, outcomeKey, parseDropPath, type DropTarget } from './paths.js';

/**
 * One pass over the drop zone (see paths.ts for the layout):
 *
 * 1. Claims already taken are moved on: a claim whose job finished has its file moved to `processed/` (job done)
 *    or to `failed/` with `<file>.error.txt` (failed, dead or cancelled), then its work folder is deleted.
 * 2. New files that have settled (`isSettled`) are claimed by moving them into `dropzone-work/<claim>/original/`,
 *    checked (every line a SHA-256 hash), and submitted as an append job to the audience named by the folder. A
 *    file that fails the check goes straight to `failed/` with the reason; nothing of it was sent.
 *
 * Exactly one job per claim: the job, its queue message and the audit entry `dropzone.submitted` (which names the
 * job) are committed in one transaction, under an advisory lock on the claim; a scan resuming a claim after a crash
 * finds that entry and never submits again. Claiming is exclusive even if two scans run at once: the move happens
 * under a Postgres advisory lock on the file's key after checking it is still there unchanged (a local move is an
 * atomic rename anyway; an S3 move is a copy and a delete). Every step can be repeated after a crash.
 */

export const DEFAULT_SETTLE_MS = 5_000;
const DEFAULT_MAX_FILES_PER_SCAN = 100;
/** A claim left half-done this long ago belongs to a scan that died (scans take a claim through in seconds). */
const DEFAULT_STALE_CLAIM_MS = 60_000;
const ACTOR = 'dropzone';

export interface ScanOptions {
  /** A file is taken once unmodified this long (default 5 s). */
  settleMs?: number;
  /** New files claimed per scan at most (default 100); the rest wait for the next scan. */
  maxFilesPerScan?: number;
  staleClaimMs?: number;
  now?: () => Date;
  /** Stops the scan between files (a worker shutting down). */
  signal?: AbortSignal;
  onEvent?: (event: DropzoneEvent) => void;
}

/** What a scan did, file by file. `file` is the key below `dropzone/`; events never hold file contents. */
export type DropzoneEvent =
  | { kind: 'claimed'; claim: string; file: string }
  | { kind: 'submitted'; claim: string; file: string; jobId: string; hashes: number }
  | { kind: 'processed'; claim: string; file: string; jobId: string; to: string }
  | { kind: 'failed'; claim: string; file: string; jobId?: string; to: string; code: string; reason: string }
  | { kind: 'error'; claim?: string; file?: string; message: string };

export interface ScanResult {
  events: DropzoneEvent[];
  /** Claims whose job is still running. */
  waiting: number;
  /** Files left for a later scan because they changed too recently. */
  unsettled: number;
}

/** `dropzone-work/<claim>/claim.json`: written before the file is moved, so a scan that dies mid-move is recognized. */
interface ClaimRecord {
  version: 1;
  claim: string;
  /** The key it was claimed from: `dropzone/<relative>`. */
  source: string;
  relative: string;
  size: number;
  modified: string;
  claimedAt: string;
}

interface Context {
  runtime: Runtime;
  /**
   * Audiences (`platform/name`) with a claim in progress. A new file for one of them waits in the drop zone until
   * that job has finished, so the second file finds the audience id the first one stored instead of racing it to
   * create a second audience of the same name.
   */
  busy: Set<string>;
  settleMs: number;
  staleClaimMs: number;
  now: () => Date;
  emit(event: DropzoneEvent): void;
  result: ScanResult;
}

export async function scanDropzone(runtime: Runtime, options: ScanOptions = {}): Promise<ScanResult> {
  const result: ScanResult = { events: [], waiting: 0, unsettled: 0 };
  const ctx: Context = {
    runtime,
    settleMs: options.settleMs ?? DEFAULT_SETTLE_MS,
    staleClaimMs: options.staleClaimMs ?? DEFAULT_STALE_CLAIM_MS,
    now: options.now ?? (() => new Date()),
    busy: new Set(),
    emit(event) {
      result.events.push(event);
      options.onEvent?.(event);
    },
    result,
  };
  const stopped = () => options.signal?.aborted === true;

  for (const [claim, objects] of await listClaims(ctx)) {
    if (stopped()) return result;
    try {
      await advanceClaim(ctx, claim, objects);
    } catch (error) {
      ctx.emit({ kind: 'error', claim, message: messageOf(error) });
    }
  }

  const maxFiles = options.maxFilesPerScan ?? DEFAULT_MAX_FILES_PER_SCAN;
  let taken = 0;
  let after: string | undefined;
  for (;;) {
    const page = await runtime.storage.list(DROPZONE_ROOT, { recursive: true, limit: 1000, ...(after !== undefined ? { after } : {}) });
    for (const object of page.objects) {
      if (stopped() || taken >= maxFiles) return result;
      if (isIgnoredName(object.key)) continue;
      if (!isSettled(object.modified, ctx.now(), ctx.settleMs)) {
        result.unsettled += 1;
        continue;
      }
      const file = object.key.slice(DROPZONE_ROOT.length + 1);
      const audience = audienceKey(file);
      if (audience !== undefined && ctx.busy.has(audience)) continue;
      taken += 1;
      try {
        const record = await claimFile(ctx, object);
        if (record) await submitClaim(ctx, record);
      } catch (error) {
        // Left where it is (or in its claim folder, resumed by a later scan); the audience waits for it.
        if (audience !== undefined) ctx.busy.add(audience);
        ctx.emit({ kind: 'error', file, message: messageOf(error) });
      }
    }
    if (page.next === undefined) return result;
    after = page.next;
  }
}

function audienceKey(relative: string): string | undefined {
  const parsed = parseDropPath(relative);
  return parsed.ok ? `${parsed.target.platform}/${parsed.target.audience}` : undefined;
}

const claimKey = (claim: string) => `${WORK_ROOT}/${claim}/claim.json`;
const originalKey = (record: ClaimRecord) => `${WORK_ROOT}/${record.claim}/original/${record.relative}`;
const uploadKey = (claim: string, column: string) => `${WORK_ROOT}/${claim}/upload/${column}.csv`;

/** The objects of each claim folder. Recursive: one-level S3 listings are not needed, and s3rver's miss nested folders. */
async function listClaims(ctx: Context): Promise<Map<string, StoredObject[]>> {
  const claims = new Map<string, StoredObject[]>();
  let after: string | undefined;
  for (;;) {
    const page = await ctx.runtime.storage.list(WORK_ROOT, { recursive: true, limit: 1000, ...(after !== undefined ? { after } : {}) });
    for (const object of page.objects) {
      const claim = object.key.split('/')[1];
      if (!claim) continue;
      const objects = claims.get(claim) ?? [];
      objects.push(object);
      claims.set(claim, objects);
    }
    if (page.next === undefined) return claims;
    after = page.next;
  }
}

/** Moves a new file into a claim folder; null when another scan took it first or it changed since it was listed. */
async function claimFile(ctx: Context, object: StoredObject): Promise<ClaimRecord | null> {
  const { storage, db } = ctx.runtime;
  const now = ctx.now();
  const claim = `${keyTimestamp(now)}-${randomBytes(4).toString('hex')}`;
  const record: ClaimRecord = {
    version: 1,
    claim,
    source: object.key,
    relative: object.key.slice(DROPZONE_ROOT.length + 1),
    size: object.size,
    modified: object.modified.toISOString(),
    claimedAt: now.toISOString(),
  };
  await storage.write(claimKey(claim), `${JSON.stringify(record, null, 2)}\n`);
  let moved: boolean;
  try {
    moved = await db.transaction(async (tx) => {
      const [row] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked', [`au-dropzone-file:${object.key}`]);
      if (!row?.locked) return false;
      const current = await storage.stat(object.key);
      if (!current || current.size !== object.size || current.modified.getTime() !== object.modified.getTime()) return false;
      await storage.move(object.key, originalKey(record));
      return true;
    });
  } catch (error) {
    if (!isAuError(error) || error.code !== 'AU_STORAGE_NOT_FOUND') throw error; // a half-done move: resumed by a later scan
    moved = false;
  }
  if (!moved) {
    await storage.delete(claimKey(claim));
    return null;
  }
  ctx.emit({ kind: 'claimed', claim, file: record.relative });
  return record;
}

/** Where a claim stands: finished job → file moved out; not submitted yet (a scan died) → checked and submitted. */
async function advanceClaim(ctx: Context, claim: string, objects: StoredObject[]): Promise<void> {
  const { storage, db } = ctx.runtime;
  if (!objects.some((object) => object.key === claimKey(claim))) {
    // claim.json is written first and deleted last: without it, only leftovers of a finished claim remain.
    if (objects.some((object) => object.key.startsWith(`${WORK_ROOT}/${claim}/original/`))) {
      ctx.emit({ kind: 'error', claim, message: `${WORK_ROOT}/${claim}/ holds a file but no claim.json; left for an operator` });
      return;
    }
    for (const object of objects) await storage.delete(object.key);
    return;
  }
  const record = JSON.parse(await storage.readText(claimKey(claim))) as ClaimRecord;
  const hasOriginal = objects.some((object) => object.key === originalKey(record));
  const jobId = await submittedJobId(db, claim);
  if (jobId !== undefined) {
    const job = await getJob(db, jobId);
    if (job && !FINAL_JOB_STATES.has(job.state)) {
      ctx.result.waiting += 1;
      markBusy(ctx, record.relative);
      return;
    }
    await finishClaim(ctx, record, hasOriginal, job, jobId);
    return;
  }
  const stale = ctx.now().getTime() - Date.parse(record.claimedAt) >= ctx.staleClaimMs;
  if (!hasOriginal) {
    // Never moved (the scan died before or during the move; the file is still in the drop zone and will be
    // claimed again), or moved to failed/ by a check just before the scan died.
    if (stale) await deleteClaim(ctx, claim);
    else markBusy(ctx, record.relative);
    return;
  }
  const source = await storage.stat(record.source);
  if (source && source.size === record.size && source.modified.toISOString() === record.modified) {
    // An S3 move cut between its copy and its delete: finish it, unless another scan is moving it right now.
    if (!stale) {
      markBusy(ctx, record.relative);
      return;
    }
    await storage.delete(record.source);
  }
  await submitClaim(ctx, record);
}

function markBusy(ctx: Context, relative: string): void {
  const audience = audienceKey(relative);
  if (audience !== undefined) ctx.busy.add(audience);
}

/** Checks the claimed file and submits its upload job; a file that fails the check goes to failed/ at once. */
async function submitClaim(ctx: Context, record: ClaimRecord): Promise<void> {
  const { runtime } = ctx;
  const parsed = parseDropPath(record.relative);
  if (!parsed.ok) {
    await failClaim(ctx, record, parsed.code, parsed.reason);
    return;
  }
  const { target } = parsed;
  const dir = join(runtime.dataDir, 'work');
  mkdirSync(dir, { recursive: true });
  const local = join(dir, `dropzone-${record.claim}.csv`);
  try {
    const check = await copyHashes(await runtime.storage.read(originalKey(record)), local, target.column);
    if (!check.ok) {
      await failClaim(ctx, record, check.code, check.reason);
      return;
    }
    const key = uploadKey(record.claim, target.column);
    await runtime.storage.writeFile(key, local);
    const spec: UploadJobSpec = {
      platform: target.platform,
      audience: { name: target.audience },
      mode: 'append',
      inputs: { storage: [key] },
      mappings: [{ column: target.column, type: target.identifier }],
      prehashed: true,
    };
    markBusy(ctx, record.relative);
    const jobId = await submitOnce(runtime, record, target, spec, check.hashes);
    ctx.emit({ kind: 'submitted', claim: record.claim, file: record.relative, jobId, hashes: check.hashes });
  } finally {
    rmSync(local, { force: true });
  }
}

/**
 * `submitUploadJob` (as `queueUploadJob`), plus the audit entry that ties the job to the claim, in the same
 * transaction; a claim that already has a job gets that job back.
 */
async function submitOnce(runtime: Runtime, record: ClaimRecord, target: DropTarget, spec: UploadJobSpec, hashes: number): Promise<string> {
  return runtime.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`au-dropzone-claim:${record.claim}`]);
    const existing = await submittedJobId(tx, record.claim);
    if (existing !== undefined) return existing;
    const job = await queueUploadJob(runtime, tx, spec, ACTOR);
    await recordAudit(tx, {
      actor: ACTOR,
      action: 'dropzone.submitted',
      targetType: 'dropzone_claim',
      targetId: record.claim,
      details: { jobId: job.id, file: record.relative, platform: target.platform, audience: target.audience, identifier: target.identifier, hashes },
    });
    return job.id;
  });
}

async function submittedJobId(q: Queryable, claim: string): Promise<string | undefined> {
  const rows = await q.query<{ jobId: string | null }>(
    `SELECT details->>'jobId' AS "jobId" FROM audit_log
     WHERE target_type = 'dropzone_claim' AND target_id = $1 AND action = 'dropzone.submitted' ORDER BY id LIMIT 1`,
    [claim],
  );
  return rows[0]?.jobId ?? undefined;
}

/** A file that failed the check: `failed/...` with the reason; nothing of it was sent. */
async function failClaim(ctx: Context, record: ClaimRecord, code: string, reason: string): Promise<void> {
  const { storage, db } = ctx.runtime;
  // The claim time, so a repeat after a crash writes the same keys.
  const to = outcomeKey(FAILED_ROOT, record.relative, new Date(record.claimedAt));
  const text = [
    `${DROPZONE_ROOT}/${record.relative} was not uploaded: nothing of it was sent.`,
    '',
    `Why (${code}): ${reason}`,
    '',
    `To try again, correct the file (or its folder) and put it back under ${DROPZONE_ROOT}/<platform>/<audience>/<identifier>/.`,
    '',
  ].join('\n');
  await storage.write(`${to}.error.txt`, text);
  await storage.move(originalKey(record), to);
  await recordAudit(db, { actor: ACTOR, action: 'dropzone.failed', targetType: 'dropzone_claim', targetId: record.claim, details: { file: record.relative, to, code } });
  ctx.emit({ kind: 'failed', claim: record.claim, file: record.relative, to, code, reason });
  await deleteClaim(ctx, record.claim);
}

/** The job finished: the file goes to processed/ (done) or failed/ with what happened and what to do. */
async function finishClaim(ctx: Context, record: ClaimRecord, hasOriginal: boolean, job: JobRow | null, jobId: string): Promise<void> {
  const { storage, db } = ctx.runtime;
  if (hasOriginal) {
    const done = job?.state === 'done';
    const to = outcomeKey(done ? PROCESSED_ROOT : FAILED_ROOT, record.relative, job?.finished_at ?? ctx.now());
    if (done) {
      await storage.move(originalKey(record), to);
      await recordAudit(db, { actor: ACTOR, action: 'dropzone.processed', targetType: 'job', targetId: jobId, details: { claim: record.claim, file: record.relative, to } });
      ctx.emit({ kind: 'processed', claim: record.claim, file: record.relative, jobId, to });
    } else {
      const { code, reason } = !job
        ? { code: 'AU_JOB_NOT_FOUND', reason: `the job ${jobId} no longer exists` }
        : job.error
          ? { code: job.error.code, reason: job.error.message }
          : { code: 'AU_JOB_STATE', reason: `the job was ${job.state}` };
      await storage.write(`${to}.error.txt`, await jobFailureText(ctx, record, job, jobId, code, reason));
      await storage.move(originalKey(record), to);
      await recordAudit(db, { actor: ACTOR, action: 'dropzone.failed', targetType: 'job', targetId: jobId, details: { claim: record.claim, file: record.relative, to, code } });
      ctx.emit({ kind: 'failed', claim: record.claim, file: record.relative, jobId, to, code, reason });
    }
  }
  await deleteClaim(ctx, record.claim);
}

async function jobFailureText(ctx: Context, record: ClaimRecord, job: JobRow | null, jobId: string, code: string, reason: string): Promise<string> {
  const batches = job ? await listBatches(ctx.runtime.db, jobId) : [];
  const accepted = batches.filter((batch) => batch.state === 'done').length;
  const lines = [
    `${DROPZONE_ROOT}/${record.relative} was not uploaded${accepted > 0 ? ' completely' : ''}.`,
    '',
    `Job: ${jobId} (${job?.state ?? 'missing'})`,
    `Why (${code}): ${reason}`,
    '',
  ];
  if (accepted > 0) {
    lines.push(`The platform accepted ${accepted} of ${batches.length} batches before the job stopped; they stay applied.`);
  } else {
    lines.push('Nothing of this file reached the audience.');
  }
  if ((job?.state === 'dead' || job?.state === 'failed') && job.work_prefix !== null) {
    lines.push(`\`audience-uploader jobs retry ${jobId}\` sends the batches not accepted yet, without sending any batch twice.`);
  } else {
    lines.push(`To try again, fix the cause and put the file back under ${DROPZONE_ROOT}/<platform>/<audience>/<identifier>/.`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Deletes a claim folder, claim.json last (see advanceClaim). */
async function deleteClaim(ctx: Context, claim: string): Promise<void> {
  const { storage } = ctx.runtime;
  const { objects } = await storage.list(`${WORK_ROOT}/${claim}`, { recursive: true });
  for (const object of objects) if (object.key !== claimKey(claim)) await storage.delete(object.key);
  await storage.delete(claimKey(claim));
}

function messageOf(error: unknown): string {
  if (isAuError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
