import type { Command } from 'commander';
import { Option } from 'commander';
import { getDestinationByName } from '../../db/queries/destinations.js';
import { DESTINATIONS } from '../../destinations/registry.js';
import { AuError } from '../../errors.js';
import { IDENTIFIER_TYPES } from '../../identifiers/catalog.js';
import type { DateFormat } from '../../identifiers/rule.js';
import { withRuntime } from '../runtime.js';
import type { UploadJobSpec } from '../../jobs/spec.js';
import { createSchedule, listSchedules, removeSchedule, runScheduleNow, type Schedule } from '../../schedules/schedules.js';
import { parseMappingSpecs } from '../../transform/mapping.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function describe(schedule: Schedule): string {
  const audience = 'name' in schedule.spec.audience ? `"${schedule.spec.audience.name}"` : `id ${schedule.spec.audience.id}`;
  const destination = schedule.destination ? `"${schedule.destination.name}" (${schedule.spec.platform})` : `${schedule.spec.platform} (credentials from the worker's environment)`;
  const inputs = 'storage' in schedule.spec.inputs ? schedule.spec.inputs.storage.join(', ') : schedule.spec.inputs.local.join(', ');
  const last = schedule.lastJob
    ? `last run ${schedule.lastRunAt?.toISOString() ?? schedule.lastJob.createdAt.toISOString()}: job ${schedule.lastJob.id} ${schedule.lastJob.state}`
    : 'never run';
  return [
    `${schedule.name}  "${schedule.cron}" ${schedule.timezone}${schedule.enabled ? '' : ' [disabled]'}${schedule.registered ? '' : ' [not registered with the queue yet]'}`,
    `    ${schedule.spec.mode} ${inputs} → ${destination} audience ${audience}; ${last}`,
  ].join('\n');
}

interface AddOptions {
  cron: string;
  tz?: string;
  destination: string;
  audience?: string;
  audienceId?: string;
  map: string[];
  input: string[];
  mode: UploadJobSpec['mode'];
  defaultCountry?: string;
  dateFormat?: DateFormat;
  additive?: boolean;
  json?: boolean;
}

export function registerSchedules(program: Command): void {
  const schedules = program
    .command('schedules');

  schedules
    .command('add')
    .description('save a schedule: on each run, the input in storage is sent to the audience (mirror by default: adds and removes so the audience holds exactly the input)')
    .argument('<name>')
    .requiredOption('--cron <expr>', 'when to run: minute hour day-of-month month day-of-week, e.g. "0 3 * * *" (03:00 daily); or @hourly, @daily, @weekly, @monthly')
    .option('--tz <zone>', 'IANA time zone the expression is read in, e.g. Europe/Paris (default UTC)')
    .requiredOption('-d, --destination <name>', `a saved destination (destinations list), or a platform (${Object.keys(DESTINATIONS).join(', ')}) with credentials from the worker's environment`)
    .option('-a, --audience <name>', 'audience name: the audience this tool created under that name, else the only one with it, else a new one')
    .option('--audience-id <id>', 'an existing audience id')
    .requiredOption('-m, --map <col=ID,...>', `map columns to identifiers (${IDENTIFIER_TYPES.join(', ')}); repeatable`, collect, [])
    .requiredOption('-i, --input <storage key>', 'a file or folder of part files in storage (STORAGE_URL), e.g. exports/segment/; repeatable', collect, [])
    .addOption(new Option('--mode <mode>', 'mirror makes the audience exactly the input (sending only the differences), append adds, replace replaces').choices(['mirror', 'append', 'replace']).default('mirror'))
    .option('--additive', 'mirror without removals')
    .option('--default-country <CC>', 'ISO country code for phones, states and postal codes of rows without a COUNTRY value')
    .addOption(new Option('--date-format <order>', 'day/month order of ambiguous dates of birth').choices(['YMD', 'MDY', 'DMY']))
    .option('--json', 'print JSON')
    .action(async (name: string, options: AddOptions) => {
      if (Boolean(options.audience) === Boolean(options.audienceId)) throw new AuError('AU_OPTION_INVALID', 'give exactly one of --audience <name> or --audience-id <id>');
      const mappings = parseMappingSpecs(options.map);
      const schedule = await withRuntime(async (runtime) => {
        // A saved destination of that name wins; else the name of a platform.
        const saved = await getDestinationByName(runtime.db, options.destination.trim());
        const platform = saved?.platform ?? options.destination.trim().toLowerCase();
        if (!saved && !DESTINATIONS[platform]) {
          throw new AuError('AU_DESTINATION_NOT_FOUND', `There is no saved destination "${options.destination}" and no platform of that name; use a saved destination (destinations list) or one of: ${Object.keys(DESTINATIONS).join(', ')}`);
        }
        const spec: UploadJobSpec = {
          platform,
          ...(saved ? { destinationId: saved.id } : {}),
          audience: options.audienceId ? { id: options.audienceId } : { name: options.audience! },
          mode: options.mode,
          ...(options.additive ? { additive: true } : {}),
          inputs: { storage: options.input },
          mappings,
          ...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}),
          ...(options.dateFormat ? { dateFormat: options.dateFormat } : {}),
        };
        return createSchedule(runtime, { name, cron: options.cron, timezone: options.tz, spec }, { actor: 'cli' });
      });
      process.stdout.write(options.json ? `${JSON.stringify(schedule, null, 2)}\n` : `added ${describe(schedule)}\n`);
    });

  schedules
    .command('list')
    .description('saved schedules with their last run')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await withRuntime((runtime) => listSchedules(runtime));
      if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(rows.length ? `${rows.map(describe).join('\n')}\n` : 'no schedules (schedules add <name> --cron "0 3 * * *" ...)\n');
    });

  schedules
    .command('run')
    .description('run a schedule now: queue its job as the cron would (a worker sends it)')
    .argument('<name>')
    .action(async (name: string) => {
      const job = await withRuntime((runtime) => runScheduleNow(runtime, name, { actor: 'cli' }));
      process.stdout.write(`queued job ${job.id} for schedule "${name}" (jobs show ${job.id}; a worker runs it: audience-uploader worker)\n`);
    });

  schedules
    .command('remove')
    .description('delete a schedule (the jobs it ran stay in the history)')
    .argument('<name>')
    .action(async (name: string) => {
      const removed = await withRuntime((runtime) => removeSchedule(runtime, name, { actor: 'cli' }));
      process.stdout.write(`removed schedule "${removed.name}"\n`);
    });
}
