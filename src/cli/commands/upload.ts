import type { Command } from 'commander';
import { Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../../config.js';
import { UPLOAD_MODES, type PlannedBatch, type UploadMode } from '../../destinations/definition.js';
import { DESTINATIONS } from '../../destinations/registry.js';
import { IDENTIFIER_TYPES } from '../../identifiers/catalog.js';
import type { DateFormat } from '../../identifiers/rule.js';
import { parseMappingSpecs } from '../../transform/mapping.js';
import { formatUploadSummary } from '../../upload/summary.js';
import { runUpload, type UploadEvents } from '../../upload/upload.js';

interface UploadCliOptions {
  destination: string;
  audience?: string;
  audienceId?: string;
  map: string[];
  mode: UploadMode;
  defaultCountry?: string;
  dateFormat?: DateFormat;
  dryRun?: boolean;
  json?: boolean;
  concurrency?: number;
}

export function registerUpload(program: Command): void {
  program
    .command('upload')
    .description('Transform and upload in one go: normalize, hash and dedupe, then send to the audience and report what the platform accepted.')
    .argument('<input...>', 'CSV, JSON Lines, JSON or Parquet files (gzipped or not), or folders of part files')
    .addOption(new Option('-d, --destination <platform>', 'destination platform').choices(Object.keys(DESTINATIONS)).makeOptionMandatory())
    .option('-a, --audience <name>', 'audience name: the audience this tool created under that name, else the only one with it, else a new one')
    .option('--audience-id <id>', 'an existing audience id')
    .requiredOption('-m, --map <col=ID,...>', `map columns to identifiers (${IDENTIFIER_TYPES.join(', ')}); repeatable`, collect, [])
    .addOption(new Option('--mode <mode>', 'append adds, remove deletes, replace makes the audience exactly this list').choices([...UPLOAD_MODES]).default('append'))
    .option('--default-country <CC>', 'ISO country code for phones, states and postal codes of rows without a COUNTRY value')
    .addOption(new Option('--date-format <order>', 'day/month order of ambiguous dates of birth').choices(['YMD', 'MDY', 'DMY']))
    .option('--dry-run', 'send nothing; write the exact requests that would be sent')
    .option('--concurrency <n>', 'batches in flight at once (the rate limit sets the pace)', (v) => Number.parseInt(v, 10))
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Credentials and settings come from the environment or a .env file in the current folder:
  TikTok: AU_TIKTOK_ACCESS_TOKEN, AU_TIKTOK_ADVERTISER_ID, AU_TIKTOK_BASE_URL, AU_TIKTOK_REQUESTS_PER_SECOND
  Meta:   AU_META_ACCESS_TOKEN, AU_META_AD_ACCOUNT_ID (digits), AU_META_APP_SECRET, AU_META_BASE_URL,
          AU_META_API_VERSION (default v25.0), AU_META_CUSTOMER_FILE_SOURCE, AU_META_REQUESTS_PER_SECOND
Exit code 0 only when the platform accepted everything. An interrupted upload continues when run again.`,
    )
    .action(async (inputs: string[], options: UploadCliOptions) => {
      const config = loadConfig();
      const progress = options.json ? {} : progressEvents();
      try {
        const summary = await runUpload({
          inputs,
          destination: options.destination,
          audienceName: options.audience,
          audienceId: options.audienceId,
          mappings: parseMappingSpecs(options.map),
          mode: options.mode,
          defaultCountry: options.defaultCountry,
          dateFormat: options.dateFormat,
          dryRun: options.dryRun,
          dataDir: config.dataDir,
          concurrency: options.concurrency,
          events: progress,
        });
        progress.stop?.();
        process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatUploadSummary(summary));
        if (!summary.accepted && !summary.dryRun) process.exitCode = 1;
      } finally {
        progress.stop?.();
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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
