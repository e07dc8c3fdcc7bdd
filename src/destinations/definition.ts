import type { PlatformCaller } from './http/caller.js';
import type { HttpRequest, HttpResponse } from './http/transport.js';
import type { PlatformProfile } from './profile.js';
import type { OutputFile } from '../transform/file-parts.js';

/**
 * The contract every destination folder fulfils: what it takes (profile), what it needs (credentials and
 * settings), its limits, how a transform's output becomes numbered batches (plan), and how each batch is sent
 * (connector). Adding Snap or Google is one new folder with one of these.
 */
export interface DestinationDefinition {
  platform: string;
  label: string;
  profile: PlatformProfile;
  credentials: readonly FieldSpec[];
  settings: readonly FieldSpec[];
  limits: DestinationLimits;
  operations: readonly Operation[];
  /** Splits a transform's output into numbered batches; pure, so the plan can be stored and resumed. */
  plan(input: PlanInput): PlannedBatch[];
  connect(options: ConnectOptions): Connector;
  /** The credential that names the platform account (rate limits and stored audience ids hold per account). */
  accountField: string;
  /** Values computed from secrets that must be hidden like them (Meta's appsecret_proof). */
  derivedSecrets?(credentials: Readonly<Record<string, string>>): { value: string; name: string }[];
  /** The answer a dry run pretends to get for a request, so planning and ids flow as in a real run. */
  dryRunAnswer(request: HttpRequest): HttpResponse;
}

export type Operation = 'test-credentials' | 'find-audience' | 'create-audience' | 'add' | 'remove' | 'replace' | 'read-audience' | 'delete-audience';

export interface FieldSpec {
  key: string;
  /** Environment variable that supplies it. */
  env: string;
  label: string;
  /** Secrets are never printed, logged or returned by the API. */
  secret: boolean;
  required: boolean;
  default?: string;
  /** Checked before any request, so a typo gets a clear message instead of a platform error. */
  pattern?: RegExp;
  hint?: string;
}

export interface DestinationLimits {
  /** Default request rate per account: the platform's published limit. */
  requestsPerSecond: number;
  maxAudienceNameLength: number;
  /** Smallest audience the platform keeps usable; updates below it are refused. */
  minAudienceSize?: number;
  maxRowsPerRequest?: number;
  maxFileBytes?: number;
  maxFilesPerRequest?: number;
}

export type UploadMode = 'append' | 'remove' | 'replace';
export const UPLOAD_MODES: readonly UploadMode[] = ['append', 'remove', 'replace'];

export interface PlanInput {
  files: readonly OutputFile[];
  /** The output's type name (TikTok calculate_type, or MULTI_KEY) and header (multi-key schema). */
  typeName: string;
  header: readonly string[] | null;
  mode: UploadMode;
  /** An existing audience, or the name of one to create. */
  audience: { id: string } | { name: string };
  /** Platform session id where the platform has sessions (Meta); chosen once per upload and stored. */
  sessionId: string;
  /** Number of the first batch (default 1), when this plan follows another in one job (mirror: adds, then removes). */
  firstSeq?: number;
}

export interface PlannedBatch {
  /** 1-based, in sending order. */
  seq: number;
  kind: 'create-audience' | 'upload-file' | 'apply-files' | 'send-rows';
  /** Output files the batch carries, relative to the output folder. */
  files: string[];
  rows: number;
  /** MD5 of the batch's content (its file's MD5), to check a resumed plan still matches its files. */
  checksum: string;
  /** Platform parameters fixed at planning time: action, session, the upload batches it applies. */
  params: Record<string, unknown>;
  /** Batches that must have succeeded before this one starts; the others may run side by side. */
  dependsOn: number[];
}

export interface BatchOutcome {
  /** Set by the batch that created the audience. */
  audienceId?: string;
  /** TikTok: the path of an uploaded file, used by a later batch. */
  filePath?: string;
  /** Rows the platform says it received, and how many of them it found invalid. */
  received?: number;
  invalid?: number;
  invalidSamples?: Record<string, string>;
  /** The worker that sent it (pipeline jobs), to see how work was shared. */
  worker?: string;
  /** Requests resent after a transient failure, and waits the platform asked for (rate limits), while sending it. */
  retries?: number;
  rateLimitWaits?: number;
  rateLimitWaitMs?: number;
}

export interface DeliveryContext {
  outDir: string;
  /** Null until a create-audience batch has run. */
  audienceId: string | null;
  /** Outcomes of earlier batches by seq. */
  outcomes: ReadonlyMap<number, BatchOutcome>;
  /**
   * This batch was started before and its outcome is unknown (the worker died mid-request). Retries of
   * idempotent requests need nothing; a create first looks for the audience it may already have made.
   */
  resumed?: boolean;
}

export interface AudienceInfo {
  id: string;
  name: string;
  /** Member count as the platform reports it (approximate on Meta, delayed on both). */
  size: number | null;
  /** The platform's word for its state. */
  status: string;
  /** False while the platform is still processing an earlier change. */
  ready: boolean;
  /** TikTok calculate_type; absent where a platform has no such notion. */
  typeName?: string;
}

export interface Connector {
  /** The account key this connector acts for, e.g. `tiktok:7000...` (rate limits hold per account). */
  readonly account: string;
  testCredentials(): Promise<{ account: string }>;
  /** AU_AUDIENCE_NOT_FOUND when it does not exist in this account. */
  getAudience(id: string): Promise<AudienceInfo>;
  /** Every audience with exactly this name, reading every page. */
  findAudiencesByName(name: string): Promise<AudienceInfo[]>;
  /** The account's audiences as the platform lists them, at most `max` (for a person picking an existing one). */
  listAudiences?(max: number): Promise<AudienceInfo[]>;
  runBatch(batch: PlannedBatch, context: DeliveryContext): Promise<BatchOutcome>;
  deleteAudience(id: string): Promise<void>;
}

export interface ConnectOptions {
  credentials: Readonly<Record<string, string>>;
  settings: Readonly<Record<string, string>>;
  caller: PlatformCaller;
}
