import { randomBytes } from 'node:crypto';
import type { AppliedBatch, SandboxAudience } from '../../../sandbox/platform.js';
import type { CalculateType } from './customer-file.js';
import { TIKTOK_MESSAGES, TiktokApiError, TiktokCode } from './envelope.js';

/** Below this many members TikTok refuses an update and does not serve the audience (platforms.md section 3). */
export const MIN_AUDIENCE_SIZE = 1000;

export type UpdateAction = 'APPEND' | 'REMOVE' | 'REPLACE';

export interface UploadedFile {
  path: string;
  advertiserId: string;
  calculateType: CalculateType;
  members: readonly string[];
  uploadedAt: number;
}

export interface Audience {
  id: string;
  advertiserId: string;
  name: string;
  calculateType: CalculateType;
  retentionInDays: number | undefined;
  members: Set<string>;
  createdAt: number;
  /** Until then updates are refused and the audience is not valid (TikTok rebuilds asynchronously). */
  processingUntil: number;
  /** Idempotency keys (`<file_path>:<ACTION>`) already applied to this audience. */
  appliedKeys: Set<string>;
}

export interface StateSettings {
  processingMs: number;
  fileTtlMs: number;
}

const notFound = (message: string) => new TiktokApiError(TiktokCode.notFound, message);
const parameterError = (message: string) => new TiktokApiError(TiktokCode.parameterError, message);

/** Uploaded files and audiences of every advertiser, plus the record of applied batches tests read. */
export class TiktokState {
  private readonly files = new Map<string, UploadedFile>();
  /** Insertion order is creation order, which the list endpoint keeps. */
  private readonly audiencesById = new Map<string, Audience>();
  private nextAudienceId = 1n;
  readonly applied: AppliedBatch[] = [];
  readonly appliedTwice: AppliedBatch[] = [];
  replaysIgnored = 0;

  constructor(
    private readonly settings: StateSettings,
    private readonly now: () => number = Date.now,
  ) {}

  clear(): void {
    this.files.clear();
    this.audiencesById.clear();
    this.nextAudienceId = 1n;
    this.applied.length = 0;
    this.appliedTwice.length = 0;
    this.replaysIgnored = 0;
  }

  addFile(advertiserId: string, calculateType: CalculateType, members: readonly string[]): UploadedFile {
    const path = `custom_audience/${randomBytes(16).toString('hex')}`;
    const file: UploadedFile = { path, advertiserId, calculateType, members, uploadedAt: this.now() };
    this.files.set(path, file);
    return file;
  }

  /** The advertiser's files for these paths, each once; another advertiser's path is as unknown as a made-up one. */
  resolveFiles(advertiserId: string, paths: readonly string[]): UploadedFile[] {
    return [...new Set(paths)].map((path) => {
      const file = this.files.get(path);
      if (!file || file.advertiserId !== advertiserId) throw notFound(`File path ${path} does not exist.`);
      if (this.now() - file.uploadedAt >= this.settings.fileTtlMs) {
        throw new TiktokApiError(TiktokCode.fileExpired, `File path ${path} has expired. Please upload the file again.`);
      }
      return file;
    });
  }

  createAudience(input: {
    advertiserId: string;
    name: string;
    calculateType: CalculateType;
    retentionInDays: number | undefined;
    files: readonly UploadedFile[];
  }): Audience {
    requireCalculateType(input.files, input.calculateType);
    const now = this.now();
    const audience: Audience = {
      id: this.newAudienceId(),
      advertiserId: input.advertiserId,
      name: input.name,
      calculateType: input.calculateType,
      retentionInDays: input.retentionInDays,
      members: unionOf(input.files),
      createdAt: now,
      processingUntil: now + this.settings.processingMs,
      appliedKeys: new Set(),
    };
    this.audiencesById.set(audience.id, audience);
    this.record(audience, input.files, 'CREATE');
    return audience;
  }

  updateAudience(audience: Audience, action: UpdateAction, files: readonly UploadedFile[]): void {
    requireCalculateType(files, audience.calculateType);
    // TikTok's file paths make an update idempotent (DESIGN.md, reliability model): the same files applied again
    // with the same action, as a client does after losing an answer, change nothing.
    if (files.every((file) => audience.appliedKeys.has(`${file.path}:${action}`))) {
      this.replaysIgnored++;
      return;
    }
    if (this.isProcessing(audience)) throw parameterError(TIKTOK_MESSAGES.stillProcessing);
    const next = membersAfter(audience.members, action, files);
    if (next.size < MIN_AUDIENCE_SIZE) throw parameterError(TIKTOK_MESSAGES.belowMinimum);
    audience.members = next;
    audience.processingUntil = this.now() + this.settings.processingMs;
    this.record(audience, files, action);
  }

  audience(advertiserId: string, id: string): Audience {
    const audience = this.audiencesById.get(id);
    if (!audience || audience.advertiserId !== advertiserId) throw notFound(`Custom audience ${id} does not exist.`);
    return audience;
  }

  audiencesOf(advertiserId: string): Audience[] {
    return [...this.audiencesById.values()].filter((audience) => audience.advertiserId === advertiserId);
  }

  /** All or nothing: one unknown id refuses the whole call. */
  deleteAudiences(advertiserId: string, ids: readonly string[]): void {
    for (const id of ids) this.audience(advertiserId, id);
    for (const id of ids) this.audiencesById.delete(id);
  }

  isProcessing(audience: Audience): boolean {
    return this.now() < audience.processingUntil;
  }

  allAudiences(): SandboxAudience[] {
    return [...this.audiencesById.values()].map((audience) => ({
      id: audience.id,
      name: audience.name,
      account: audience.advertiserId,
      size: audience.members.size,
    }));
  }

  members(id: string): string[] | null {
    const audience = this.audiencesById.get(id);
    return audience ? [...audience.members].sort() : null;
  }

  /** A key applied again with effect means the platform's idempotency did not hold: tests flag it. */
  private record(audience: Audience, files: readonly UploadedFile[], operation: UpdateAction | 'CREATE'): void {
    for (const file of files) {
      const batch: AppliedBatch = {
        audienceId: audience.id,
        key: `${file.path}:${operation}`,
        operation,
        rows: file.members.length,
      };
      if (audience.appliedKeys.has(batch.key)) this.appliedTwice.push(batch);
      audience.appliedKeys.add(batch.key);
      this.applied.push(batch);
    }
  }

  /** Numeric strings shaped like TikTok's 19-digit ids. */
  private newAudienceId(): string {
    return String(7_100_000_000_000_000_000n + this.nextAudienceId++);
  }
}

function requireCalculateType(files: readonly UploadedFile[], calculateType: CalculateType): void {
  const mismatch = files.find((file) => file.calculateType !== calculateType);
  if (mismatch) {
    throw parameterError(
      `calculate_type: file ${mismatch.path} was uploaded as ${mismatch.calculateType}, not ${calculateType}.`,
    );
  }
}

function unionOf(files: readonly UploadedFile[]): Set<string> {
  const members = new Set<string>();
  for (const file of files) for (const member of file.members) members.add(member);
  return members;
}

function membersAfter(current: ReadonlySet<string>, action: UpdateAction, files: readonly UploadedFile[]): Set<string> {
  if (action === 'REPLACE') return unionOf(files);
  const next = new Set(current);
  for (const file of files) {
    for (const member of file.members) {
      if (action === 'APPEND') next.add(member);
      else next.delete(member);
    }
  }
  return next;
}
