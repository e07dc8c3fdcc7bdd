import type { Command } from 'commander';
import { Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../../config.js';
import type { PlannedBatch } from '../../destinations/definition.js';
import { DESTINATIONS } from '../../destinations/registry.js';
import { IDENTIFIER_TYPES } from '../../identifiers/catalog.js';
import type { DateFormat } from '../../identifiers/rule.js';
import { parseMappingSpecs } from '../../transform/mapping.js';
import { formatUploadSummary, type UploadSummary } from '../../upload/summary.js';
import { checkAudienceName, runUpload, type UploadEvents } from '../../upload/upload.js';
import { readDestinationConfig } from '../../destinations/config.js';
import { getDestination } from '../../destinations/registry.js';
import { AuError, type ErrorCode } from '../../errors.js';
import { knownAudienceId, listBatches } from '../../db/queries/jobs.js';
import { withRuntime } from '../runtime.js';
import { submitUploadJob, waitForJob } from '../../jobs/client.js';
import { openRuntime } from '../../jobs/runtime.js';
import { summaryOfJob } from '../../jobs/summary.js';
import { startWorker } from '../../jobs/worker.js';
import { JOB_MODES, type JobMode, type UploadJobSpec } from '../../jobs/spec.js';
import { basename, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';

interface UploadCliOptions {
  destination: string;
  audience?: string;
  audienceId?: string;
  map: string[];
  mode: JobMode;
  additive?: boolean;
  detach?: boolean;
  defaultCountry?: string;
  dateFormat?: DateFormat;
  dryRun?: boolean;
  json?: boolean;
  concurrency?: number;
}

export function registerUpload(program: Command): void {
  program
    .command('upload')
    .argument('<input...>', 'CSV, JSON Lines, JSON or Parquet files (gzipped or not), or folders of part files')
    .addOption(new Option('-d, --destination <platform>', 'destination platform').choices(Object.keys(DESTINATIONS)).makeOptionMandatory())
    .option('-a, --audience <name>', 'audience name: the audience this tool created under that name, else the only one with it, else a new one')
    .option('--audience-id <id>', 'an existing audience id')
    .requiredOption('-m, --map <col=ID,...>', `map columns to identifiers (${IDENTIFIER_TYPES.join(', ')}); repeatable`, collect, [])
    .addOption(
      new Option('--mode <mode>', 'append adds, remove deletes, replace makes the audience exactly this list, mirror sends only what changed since the last mirror')
        .choices([...JOB_MODES])
        .default('append'),
    )
    .option('--additive', 'with --mode mirror: add the new records, never remove')
    .option('--default-country <CC>', 'ISO country code for phones, states and postal codes of rows without a COUNTRY value')
    .addOption(new Option('--date-format <order>', 'day/month order of ambiguous dates of birth').choices(['YMD', 'MDY', 'DMY']))
    .option('--dry-run', 'send nothing; write the exact requests that would be sent')
    .option('--concurrency <n>', 'batches in flight at once (the rate limit sets the pace)', (v) => Number.parseInt(v, 10))
    .option('--detach', 'queue the job for the workers and return its id at once (with DATABASE_URL)')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Credentials and settings come from the environment or a .env file in the current folder:
  TikTok: AU_TIKTOK_ACCESS_TOKEN, AU_TIKTOK_ADVERTISER_ID, AU_TIKTOK_BASE_URL, AU_TIKTOK_REQUESTS_PER_SECOND
  Meta:   AU_META_ACCESS_TOKEN, AU_META_AD_ACCOUNT_ID (digits), AU_META_APP_SECRET, AU_META_BASE_URL,
          AU_META_API_VERSION (default v25.0), AU_META_CUSTOMER_FILE_SOURCE, AU_META_REQUESTS_PER_SECOND
The upload runs as a durable job: with the embedded database this command also works it; with DATABASE_URL,
any running worker helps. \`jobs list\`, \`jobs show\`, \`jobs retry\` follow it. Exit code 0 only when the
platform accepted everything.`,
    )
    .action(async (inputs: string[], options: UploadCliOptions) => {
      const summary = options.dryRun ? await dryRun(inputs, options) : await uploadThroughPipeline(inputs, options);
      if (summary === null) return;
      process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatUploadSummary(summary));
      if (!summary.accepted && !summary.dryRun) process.exitCode = 1;
    });
}

async function dryRun(inputs: string[], options: UploadCliOptions): Promise<UploadSummary> {
  if (options.mode === 'mirror') throw new AuError('AU_OPTION_INVALID', '--dry-run shows append, remove or replace; a mirror depends on the last upload, which only a real run knows');
  const mode = options.mode;
  const config = loadConfig();
  const platform = getDestination(options.destination).platform;
  // The audience ids the real upload would use are those of earlier jobs, in the job database.
  return withRuntime((runtime) => runUpload({
    inputs,
    destination: options.destination,
    audienceName: options.audience,
    audienceId: options.audienceId,
    mappings: parseMappingSpecs(options.map),
    mode,
    defaultCountry: options.defaultCountry,
    dateFormat: options.dateFormat,
    dryRun: true,
    dataDir: config.dataDir,
    audienceIds: { get: (account, name) => knownAudienceId(runtime.db, platform, account, name), forget: () => undefined },
    events: options.json ? {} : progressEvents(),
  }));
}

/**
 * Submits the upload as a job of the durable pipeline and works it in this process until it is finished (other
 * workers on a shared database help). Checks that need no network run first, so a typo fails at once.
 */
async function uploadThroughPipeline(inputs: string[], options: UploadCliOptions): Promise<UploadSummary | null> {
  const definition = getDestination(options.destination);
  if ((options.audience === undefined) === (options.audienceId === undefined)) {
    throw new AuError('AU_OPTION_INVALID', 'give the audience either by name (--audience) or by id (--audience-id)');
  }
  if (options.audience !== undefined) checkAudienceName(definition, options.audience);
  readDestinationConfig(definition, process.env);
  const mappings = parseMappingSpecs(options.map);
  for (const input of inputs) {
    if (!statSync(input, { throwIfNoEntry: false })) throw new AuError('AU_INPUT_NOT_FOUND', `input ${input} does not exist`);
  }
  const { dataDir } = loadConfig();
  const runtime = await openRuntime({ dataDir, supervise: true });
  const progress = options.json ? { update() {}, stop() {} } : jobProgress();
  try {
    const shared = runtime.db.kind === 'postgres';
    let jobInputs: UploadJobSpec['inputs'] = { local: inputs.map((input) => resolve(input)) };
    if (shared) {
      // Other machines' workers cannot read this machine's files: the inputs go to the shared storage first.
      const prefix = `inputs/${new Date().toISOString().slice(0, 10)}/${randomBytes(4).toString('hex')}`;
      const keys: string[] = [];
      for (const input of inputs) {
        const key = `${prefix}/${basename(input)}`;
        await runtime.storage.writeFile(key, resolve(input));
        keys.push(key);
      }
      jobInputs = { storage: keys };
    }
    const spec: UploadJobSpec = {
      platform: definition.platform,
      audience: options.audienceId !== undefined ? { id: options.audienceId } : { name: options.audience! },
      mode: options.mode,
      ...(options.additive ? { additive: true } : {}),
      inputs: jobInputs,
      mappings,
      ...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}),
      ...(options.dateFormat ? { dateFormat: options.dateFormat } : {}),
    };
    const job = await submitUploadJob(runtime, spec, 'cli');
    if (options.detach) {
      process.stdout.write(`${job.id}\n`);
      return null;
    }
    const worker = await startWorker(runtime, { background: false });
    try {
      const finished = await waitForJob(runtime, job.id, { onProgress: progress.update });
      progress.stop();
      const summary = summaryOfJob(finished, await listBatches(runtime.db, job.id));
      if (summary === null) {
        // Stopped before anything was transformed: the error is the whole story.
        throw new AuError((finished.error?.code ?? 'AU_UPLOAD_INCOMPLETE') as ErrorCode, `${finished.error?.message ?? `the job was ${finished.state}`} (job ${job.id})`);
      }
      return summary;
    } finally {
      await worker.stop();
    }
  } finally {
    progress.stop();
    await runtime.close();
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Job progress: a bar of batches on a terminal, a line per change otherwise. */
function jobProgress(): { update(job: { state: string; id: string }, done: number, total: number): void; stop(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let bar: SingleBar | undefined;
  let lastState = '';
  return {
    update(job, done, total) {
      if (job.state !== lastState) {
        lastState = job.state;
        if (!bar) process.stderr.write(`… job ${job.id}: ${job.state}\n`);
      }
      if (total === 0) return;
      if (tty && !bar && job.state === 'uploading') {
        bar = new SingleBar({ format: 'uploading [{bar}] {value}/{total} batches | {eta_formatted} left', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
        bar.start(total, done);
      }
      if (bar) bar.update(done);
      else if (!tty) process.stderr.write(`… ${done}/${total} batches\n`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** A progress bar on a terminal; one line per stage otherwise (logs of scheduled runs stay readable). */
function progressEvents(): UploadEvents & { stop?: () => void } {
  const tty = Boolean(process.stderr.isTTY);
  let bar: SingleBar | undefined;
  let retries = 0;
  let waits = 0;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  return {
    onStage(stage) {
      if (stage === 'uploading' || stage === 'done') return;
      say(`… ${stage}`);
    },
    onPlan(plan: readonly PlannedBatch[], alreadyDone: number) {
      if (alreadyDone > 0) say(`continuing an interrupted upload: ${alreadyDone} of ${plan.length} batches already done`);
      if (!tty) {
        say(`… uploading ${plan.length} batches`);
        return;
      }
      bar = new SingleBar(
        { format: 'uploading [{bar}] {value}/{total} batches | {eta_formatted} left | retries {retries}, rate-limit waits {waits}', stream: process.stderr, hideCursor: true },
        Presets.shades_classic,
      );
      bar.start(plan.length, alreadyDone, { retries, waits });
    },
    onBatch() {
      bar?.increment(1, { retries, waits });
    },
    onRetry(event) {
      if (event.disposition === 'throttle') waits++;
      else retries++;
      bar?.update({ retries, waits });
      if (!tty) say(`… ${event.label}: ${event.reason}; ${event.disposition === 'throttle' ? 'waiting' : 'retrying'} in ${(event.delayMs / 1000).toFixed(1)} s`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
