import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AuError } from '../errors.js';
import type { DateFormat } from '../identifiers/rule.js';
import { accountKey, readDestinationConfig, secretValues } from '../destinations/config.js';
import type { AudienceInfo, BatchOutcome, DestinationDefinition, PlannedBatch, UploadMode } from '../destinations/definition.js';
import { DEFAULT_RETRY_POLICY, PlatformCaller, type CallEvents, type RetryPolicy } from '../destinations/http/caller.js';
import { IntervalRateLimiter, rateLimiterFor, type RateLimiter } from '../destinations/http/rate-limiter.js';
import { RecordingTransport } from '../destinations/http/recording-transport.js';
import { fetchTransport, type Transport } from '../destinations/http/transport.js';
import { getDestination } from '../destinations/registry.js';
import type { ColumnMapping } from '../transform/mapping.js';
import type { TransformReport } from '../transform/report.js';
import { transform, type TransformStage } from '../transform/transform.js';
import { AudienceStore } from './audience-store.js';
import { CheckpointStore, checkpointKey, type Checkpoint } from './checkpoint.js';
import { runBatches } from './run-batches.js';
import { summarize, type UploadSummary } from './summary.js';

export interface UploadOptions {
  inputs: string[];
  destination: string;
  /** Exactly one of them. */
  audienceName?: string;
  audienceId?: string;
  mappings: ColumnMapping[];
  mode: UploadMode;
  defaultCountry?: string;
  dateFormat?: DateFormat;
  dryRun?: boolean;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Where known audience ids come from; default: `audiences.json` in the data folder. The CLI's dry run passes
   * the job database, so it plans like the real upload would. */
  audienceIds?: AudienceIdStore;
  /** Tests and benchmarks: the network, retry timing and concurrency. */
  transport?: Transport;
  retryPolicy?: Partial<RetryPolicy>;
  rateLimiter?: RateLimiter;
  concurrency?: number;
  memoryLimit?: string;
  threads?: number;
  events?: UploadEvents;
}

export interface UploadEvents extends CallEvents {
  onStage?(stage: TransformStage | 'planning' | 'uploading' | 'done', detail?: string): void;
  onPlan?(plan: readonly PlannedBatch[], alreadyDone: number): void;
  onBatch?(batch: PlannedBatch, outcome: BatchOutcome): void;
}

/** Batches in flight at once; the rate limiter sets the pace, this only hides each request's latency. */
const DEFAULT_CONCURRENCY = 4;

/**
 * Transform and upload in one go: normalize and hash the input into the destination's batches, find or create the
 * audience, then send every batch through the account's rate limiter with retries. An unfinished upload leaves a
 * checkpoint, and the same command continues it.
 */
export async function runUpload(options: UploadOptions): Promise<UploadSummary> {
  const definition = getDestination(options.destination);
  const env = options.env ?? process.env;
  if ((options.audienceName === undefined) === (options.audienceId === undefined)) {
    throw new AuError('AU_OPTION_INVALID', 'give the audience either by name (--audience) or by id (--audience-id)');
  }
  if (options.audienceName !== undefined) checkAudienceName(definition, options.audienceName);
  const config = readDestinationConfig(definition, env, { allowMissing: options.dryRun });
  const secrets = secretValues(definition, config);

  const uploadsDir = join(options.dataDir, 'uploads');
  const workDir = join(uploadsDir, options.dryRun ? 'dry-runs' : 'work', `${timestamp()}-${randomBytes(3).toString('hex')}`);
  const outDir = join(workDir, 'out');
  mkdirSync(workDir, { recursive: true });
  const report = await transform({
    inputs: options.inputs,
    destination: definition.platform,
    mappings: options.mappings,
    outDir,
    dataDir: options.dataDir,
    defaultCountry: options.defaultCountry,
    dateFormat: options.dateFormat,
    memoryLimit: options.memoryLimit,
    threads: options.threads,
    onStage: (stage) => options.events?.onStage?.(stage),
  });
  if (report.rows.kept === 0) {
    rmSync(workDir, { recursive: true, force: true });
    throw new AuError('AU_UPLOAD_INCOMPLETE', 'no valid identifier was found in the input, so nothing was uploaded (check the column mapping)', { report });
  }

  options.events?.onStage?.('planning');
  const requestsDir = join(workDir, 'requests');
  const transport = options.dryRun
    ? new RecordingTransport(requestsDir, definition.dryRunAnswer, secrets, (name) => describeOutputFile(outDir, name))
    : (options.transport ?? fetchTransport);
  const requestsPerSecond = Number(config.settings.requestsPerSecond ?? definition.limits.requestsPerSecond);
  const account = accountKey(definition.platform, config.credentials[definition.accountField] ?? '');
  const limiter = options.rateLimiter ?? (options.dryRun ? new IntervalRateLimiter(1e6) : rateLimiterFor(account, requestsPerSecond));
  const caller = new PlatformCaller(transport, limiter, { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy }, options.events);
  const connector = definition.connect({ credentials: config.credentials, settings: config.settings, caller });
  const audiences = new AudienceStore(join(options.dataDir, 'audiences.json'));

  // Wrong credentials stop here, before anything is sent.
  if (!options.dryRun) await connector.testCredentials();
  const target = await resolveAudience(definition, connector, options.audienceIds ?? audiences, options, report);
  checkMinimumSize(definition, options.mode, target, report.rows.kept);

  const files = report.output.files;
  // Keyed by the audience as the user named it: after a first run created it, the name resolves to an id, and
  // the re-run must still find the checkpoint that run left.
  const requested = options.audienceId !== undefined ? { id: options.audienceId } : { name: options.audienceName! };
  const key = checkpointKey({ platform: definition.platform, account: connector.account, audience: requested, mode: options.mode, md5s: files.map((f) => f.md5) });
  const checkpoints = new CheckpointStore(join(uploadsDir, 'checkpoints'));
  let checkpoint = options.dryRun ? null : checkpoints.load(key);
  if (checkpoint && !sameFiles(checkpoint.plan, files)) checkpoint = null;
  if (checkpoint && checkpoint.workDir !== workDir) {
    // The interrupted run's files are the same bytes as this run's: keep only one copy.
    rmSync(checkpoint.workDir, { recursive: true, force: true });
    checkpoint.workDir = workDir;
  }
  if (!checkpoint) {
    const sessionId = String(randomInt(1, 2 ** 47));
    const plan = definition.plan({ files, typeName: report.output.typeName, header: report.output.header, mode: options.mode, audience: target.ref, sessionId });
    checkpoint = {
      version: 1,
      key,
      platform: definition.platform,
      account: connector.account,
      audience: target.ref,
      mode: options.mode,
      sessionId,
      plan,
      audienceId: 'id' in target.ref ? target.ref.id : null,
      outcomes: {},
      workDir,
      startedAt: new Date().toISOString(),
    };
    if (!options.dryRun) checkpoints.save(checkpoint);
  }
  const state: Checkpoint = checkpoint;
  const outcomes = new Map<number, BatchOutcome>(Object.entries(state.outcomes).map(([seq, outcome]) => [Number(seq), outcome]));
  options.events?.onPlan?.(state.plan, outcomes.size);

  options.events?.onStage?.('uploading');
  let failure: unknown;
  try {
    await runBatches(state.plan, {
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      done: outcomes,
      run: (batch) => connector.runBatch(batch, { outDir, audienceId: state.audienceId, outcomes }),
      onDone: (batch, outcome) => {
        outcomes.set(batch.seq, outcome);
        state.outcomes[String(batch.seq)] = outcome;
        if (outcome.audienceId) {
          state.audienceId = outcome.audienceId;
          if ('name' in state.audience && !options.dryRun) audiences.set(connector.account, state.audience.name, outcome.audienceId);
        }
        if (!options.dryRun) checkpoints.save(state);
        options.events?.onBatch?.(batch, outcome);
      },
    });
  } catch (error) {
    failure = error;
  }

  if (failure !== undefined && !options.dryRun) {
    forgetExpiredUploads(state, failure);
    checkpoints.save(state);
  }
  const complete = failure === undefined;
  if (complete && !options.dryRun) {
    checkpoints.remove(key);
    // Hashed intermediates are deleted once the platform has them; report.json stays for the record.
    rmSync(outDir, { recursive: true, force: true });
  }
  const summary = summarize({
    definition,
    report,
    plan: state.plan,
    outcomes,
    audienceId: state.audienceId,
    audienceName: target.name,
    created: 'name' in target.ref,
    mode: options.mode,
    dryRun: Boolean(options.dryRun),
    workDir,
    requestsWritten: transport instanceof RecordingTransport ? transport.written : undefined,
    failure,
    secrets: secrets.map((secret) => secret.value),
  });
  return summary;
}

export function checkAudienceName(definition: DestinationDefinition, name: string): void {
  const max = definition.limits.maxAudienceNameLength;
  if (name.trim() === '') throw new AuError('AU_AUDIENCE_INVALID', 'the audience name is empty');
  if ([...name].length > max) {
    throw new AuError('AU_AUDIENCE_INVALID', `the audience name has ${[...name].length} characters; ${definition.label} takes at most ${max}`);
  }
}

export interface ResolvedAudience {
  ref: { id: string } | { name: string };
  name: string | null;
  info: AudienceInfo | null;
}

/** Where the ids of audiences this installation created are kept: a JSON file for direct uploads, the database for jobs. */
export interface AudienceIdStore {
  get(account: string, name: string): Promise<string | undefined> | string | undefined;
  forget(account: string, name: string): Promise<void> | void;
}

export async function resolveAudience(
  definition: DestinationDefinition,
  connector: ReturnType<DestinationDefinition['connect']>,
  store: AudienceIdStore,
  options: Pick<UploadOptions, 'audienceId' | 'audienceName' | 'dryRun'>,
  report: Pick<TransformReport, 'output'>,
): Promise<ResolvedAudience> {
  const checkType = (info: AudienceInfo) => {
    if (info.typeName && info.typeName !== report.output.typeName) {
      throw new AuError(
        'AU_AUDIENCE_TYPE_MISMATCH',
        `${definition.label} audience ${info.id} holds ${info.typeName} identifiers but this upload has ${report.output.typeName}; map the same identifier types or use another audience`,
      );
    }
    return info;
  };
  if (options.audienceId !== undefined) {
    if (options.dryRun) return { ref: { id: options.audienceId }, name: null, info: null };
    const info = checkType(await connector.getAudience(options.audienceId));
    return { ref: { id: info.id }, name: info.name, info };
  }
  const name = options.audienceName!;
  const known = await store.get(connector.account, name);
  if (options.dryRun) return { ref: known ? { id: known } : { name }, name, info: null };
  if (known) {
    try {
      const info = checkType(await connector.getAudience(known));
      return { ref: { id: info.id }, name, info };
    } catch (error) {
      if (!(error instanceof AuError && error.code === 'AU_AUDIENCE_NOT_FOUND')) throw error;
      // Deleted on the platform since we created it: look it up by name like any other.
      await store.forget(connector.account, name);
    }
  }
  const found = await connector.findAudiencesByName(name);
  if (found.length > 1) {
    throw new AuError(
      'AU_AUDIENCE_AMBIGUOUS',
      `${found.length} ${definition.label} audiences are named "${name}" (ids ${found.map((a) => a.id).join(', ')}); choose one with --audience-id`,
      { ids: found.map((a) => a.id) },
    );
  }
  if (found.length === 1) {
    const info = checkType(found[0]!);
    return { ref: { id: info.id }, name, info };
  }
  return { ref: { name }, name, info: null };
}

export function checkMinimumSize(definition: DestinationDefinition, mode: UploadMode, target: ResolvedAudience, kept: number): void {
  const min = definition.limits.minAudienceSize;
  if (!min) return;
  const creates = 'name' in target.ref;
  const fmt = (n: number) => n.toLocaleString('en-US');
  if ((creates || mode === 'replace') && kept < min) {
    throw new AuError(
      'AU_AUDIENCE_TOO_SMALL',
      `${definition.label} needs at least ${fmt(min)} members in an audience, and this upload has ${fmt(kept)} valid records after dedupe; nothing was sent`,
    );
  }
  if (mode === 'remove' && target.info?.size != null && target.info.size - kept < min) {
    throw new AuError(
      'AU_AUDIENCE_TOO_SMALL',
      `removing ${fmt(kept)} records could leave ${definition.label} audience ${target.info.id} (about ${fmt(target.info.size)} members) under ${fmt(min)}, which the platform refuses; nothing was sent`,
    );
  }
}

/**
 * TikTok forgets uploaded files after a while: when an apply failed because a file path expired, the uploads that
 * were not applied yet are forgotten, so the next run uploads them again.
 */
function forgetExpiredUploads(state: Checkpoint, failure: unknown): void {
  if (!(failure instanceof AuError) || failure.details.platformCode !== 40910) return;
  for (const batch of state.plan) {
    if (batch.kind !== 'apply-files' || state.outcomes[String(batch.seq)]) continue;
    for (const upload of batch.params.uploads as number[]) delete state.outcomes[String(upload)];
  }
}

function sameFiles(plan: readonly PlannedBatch[], files: TransformReport['output']['files']): boolean {
  const planned = new Set(plan.flatMap((batch) => batch.files));
  return files.every((file) => planned.has(file.path));
}

function describeOutputFile(outDir: string, name: string): Record<string, unknown> {
  const path = join(outDir, name);
  return { file: `out/${name}`, bytes: existsSync(path) ? statSync(path).size : null };
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

