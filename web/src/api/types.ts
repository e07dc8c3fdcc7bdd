// The REST API contract (issue 5), as the web app sees it. `src/server/routes/web-contract.ts` checks these types
// against the routes' schemas (the type check fails when they drift apart): change both together.

import type { JobState } from '../../../src/jobs/states.js';

export type Role = 'admin' | 'operator' | 'viewer';

export interface User {
  id: number;
  email: string;
  role: Role;
  mustChangePassword: boolean;
  createdAt: string;
  disabledAt: string | null;
}

/** Every error answer. `message` is plain words, shown to the user as is. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  details?: { issues?: Issue[]; [key: string]: unknown };
}

export interface Issue {
  field: string;
  message: string;
}

// ---- Auth ----------------------------------------------------------------------------------------------------

export interface LoginResponse {
  user: User;
  csrfToken: string;
}

export interface SessionResponse {
  user: User;
  /** null when signed in with an API token, which needs none. */
  csrfToken: string | null;
  via: 'session' | 'token';
}

export interface AuthConfig {
  oidc: { enabled: boolean; label: string };
}

export interface ApiToken {
  id: number;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken {
  token: string;
  id: number;
  name: string;
  expiresAt: string | null;
}

export interface UserWithPassword {
  user: User;
  oneTimePassword: string;
}

// ---- Platforms and destinations ---------------------------------------------------------------------------------

/** A platform's id from GET /api/platforms ('tiktok', 'meta', ...). */
export type PlatformId = string;
export type UploadMode = 'append' | 'remove' | 'replace' | 'mirror';
export type DateFormat = 'YMD' | 'MDY' | 'DMY';

export interface CredentialField {
  name: string;
  label: string;
  secret: boolean;
  required: boolean;
}

export interface SettingField {
  name: string;
  label: string;
  required: boolean;
  default?: string;
}

export interface Platform {
  id: PlatformId;
  label: string;
  identifierTypes: { type: string; label: string }[];
  audienceNameMaxLength: number;
  /** null when the platform sets none. */
  minimumAudienceSize: number | null;
  modes: UploadMode[];
  credentialFields: CredentialField[];
  settingFields: SettingField[];
}

export interface Destination {
  id: number;
  name: string;
  platform: PlatformId;
  platformLabel: string;
  account: string;
  sandbox: boolean;
  settings: Record<string, unknown>;
  /** Names of the stored credential fields; never their values. */
  credentialFields: string[];
  createdAt: string;
  updatedAt: string;
}

export interface NewDestination {
  name: string;
  platform: PlatformId;
  credentials: Record<string, string>;
  settings: Record<string, string>;
}

export interface ConnectionTest {
  ok: true;
  account: string;
  message: string;
}

export interface PlatformAudience {
  id: string;
  name: string;
  size?: number | null;
}

// ---- Files and datasets -------------------------------------------------------------------------------------------

export type FileFormat = 'csv' | 'json' | 'jsonl' | 'parquet';

export interface StorageFolder {
  key: string;
  name: string;
}

export interface StorageFile {
  key: string;
  name: string;
  size: number;
  modified: string;
  format: FileFormat | null;
  gzip: boolean;
}

export interface FileListing {
  prefix: string;
  folders: StorageFolder[];
  files: StorageFile[];
  nextCursor: string | null;
  /** The server's AU_UPLOAD_MAX_BYTES: the largest file a browser upload may send. */
  uploadMaxBytes: number;
}

export interface FileQuery {
  prefix?: string;
  search?: string;
  cursor?: string;
  limit?: number;
}

export interface UploadedFiles {
  files: StorageFile[];
}

export interface ColumnSuggestion {
  type: string | null;
  confidence: number;
  reason: string;
}

export interface DatasetColumn {
  name: string;
  inferredType: string;
  /** 0..1 */
  emptyRate: number;
  /** Masked: they reveal at most a character or two. */
  samples: string[];
  suggestion: ColumnSuggestion;
}

export interface Dataset {
  id: number;
  name: string;
  keys: string[];
  files: number;
  columns: DatasetColumn[];
  createdAt: string;
  /** null when its creator is not recorded. */
  createdBy: string | null;
}

/** `type` is an identifier type the platform takes (GET /api/platforms); the server refuses any other. */
export interface ColumnMapping {
  column: string;
  type: string;
}

export interface PreviewRequest {
  platform: PlatformId;
  mappings: ColumnMapping[];
  defaultCountry?: string;
  dateFormat?: DateFormat;
}

export interface PreviewRow {
  raw: string;
  normalized: string | null;
  hash: string | null;
  reason: string | null;
}

export interface PreviewColumn {
  column: string;
  type: string;
  /** 0..1 */
  validShare: number;
  valid: number;
  empty: number;
  invalid: number;
  invalidByReason: Record<string, number>;
  prehashed: boolean;
  rows: PreviewRow[];
}

export interface PreviewResponse {
  columns: PreviewColumn[];
}

export interface SavedMapping {
  id: number;
  platform: PlatformId;
  columns: string[];
  mappings: ColumnMapping[];
  updatedAt: string;
}

// ---- Uploads and jobs ------------------------------------------------------------------------------------------

export type AudienceTarget = { name: string } | { id: string };

export interface UploadRequest {
  datasetId: number;
  destinationId: number;
  audience: AudienceTarget;
  mode: UploadMode;
  mappings: ColumnMapping[];
  defaultCountry?: string;
  dateFormat?: DateFormat;
  saveMapping?: boolean;
}

export interface ColumnCounts {
  column: string;
  type: string;
  valid: number;
  empty: number;
  invalid: number;
  invalidByReason: Record<string, number>;
}

export interface DryRunResult {
  rows: number;
  valid: number;
  invalidByReason: Record<string, number>;
  duplicates: number;
  perColumn: ColumnCounts[];
  kept: number;
  expectedAdditions: number | null;
  expectedRemovals: number | null;
  batches: number;
  warnings: string[];
}

// The server's own lists (the file imports nothing, so the bundle takes it as it is).
export { FINAL_JOB_STATES, JOB_STATES, type JobState } from '../../../src/jobs/states.js';

export interface JobBatchCounts {
  total: number;
  done: number;
  failed: number;
  dead: number;
  sending: number;
  queued: number;
  pending: number;
}

export interface JobError {
  code: string;
  message: string;
  hint?: string;
}

export interface Job {
  id: string;
  state: JobState;
  platform: PlatformId;
  destinationId: number | null;
  destinationName: string | null;
  audienceName: string | null;
  audienceId: string | null;
  mode: UploadMode;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: JobError | null;
  batches: JobBatchCounts;
  datasetId: number | null;
  inputs: string[];
}

export interface JobStage {
  name: 'prepare' | 'upload';
  state: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobSummary {
  rows: number;
  valid: number;
  invalidByReason: Record<string, number>;
  duplicates: number;
  kept: number;
  received: number;
  rejected: number;
  /** Up to 10 of the platform's answers about rejected rows: what it named -> why (no personal data). */
  rejectedSamples?: Record<string, string>;
  retries: number | null;
  /** null: not recorded. */
  rateLimitWaits: number | null;
  stages: JobStage[];
  perColumn: ColumnCounts[];
}

export interface JobBatch {
  seq: number;
  kind: string;
  rows: number;
  state: string;
  attempts: number;
  error: string | { code?: string; message?: string } | null;
  finishedAt: string | null;
}

export interface ProgressPoint {
  at: string;
  batchesDone: number;
  rowsDone: number;
}

export interface JobDetail {
  job: Job;
  summary: JobSummary | null;
  batches: JobBatch[];
  progress: ProgressPoint[];
  /** Seconds, when known. */
  eta: number | null;
}

export interface JobQuery {
  state?: string;
  platform?: string;
  destinationId?: string;
  createdBy?: string;
  search?: string;
  limit?: number;
  before?: string;
}

export interface JobList {
  jobs: Job[];
  nextBefore: string | null;
}

export interface Dashboard {
  counts: Record<JobState, number>;
  recent: Job[];
  destinations: number;
  schedules: number;
}

// ---- Schedules, drop zone, audit ---------------------------------------------------------------------------------

export interface Schedule {
  id: number;
  name: string;
  cron: string;
  timezone: string;
  destinationId: number | null;
  destinationName: string | null;
  audienceName: string | null;
  mode: UploadMode;
  enabled: boolean;
  lastRunAt: string | null;
  /** When the cron is next due (ISO); null when the schedule is off or its expression cannot be read. */
  nextRunAt: string | null;
  lastJob: { id: string; state: JobState; createdAt: string } | null;
}

export interface NewSchedule {
  name: string;
  cron: string;
  timezone?: string;
  upload: {
    datasetId: number;
    destinationId: number;
    audience: AudienceTarget;
    mode: UploadMode;
    mappings: ColumnMapping[];
    defaultCountry?: string;
  };
}

export interface DropzoneActivity {
  at: string;
  key: string;
  outcome: string;
  jobId: string | null;
  message: string;
}

export interface Dropzone {
  enabled: boolean;
  root: string;
  activity: DropzoneActivity[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | number | null;
  details: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextBefore: number | string | null;
}
