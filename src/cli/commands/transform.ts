import type { Command} from 'commander';
import { Option } from 'commander';
import { loadConfig } from '../../config.js';
import { PROFILES } from '../../destinations/registry.js';
import { IDENTIFIER_TYPES } from '../../identifiers/catalog.js';
import type { DateFormat } from '../../identifiers/rule.js';
import { parseMappingSpecs } from '../../transform/mapping.js';
import type { TransformReport } from '../../transform/report.js';
import { transform } from '../../transform/transform.js';

interface TransformCliOptions {
  destination: string;
  map: string[];
  out: string;
  defaultCountry?: string;
  dateFormat?: DateFormat;
  memoryLimit?: string;
  threads?: number;
  json?: boolean;
}

export function registerTransform(program: Command): void {
  program
    .command('transform')
    .argument('<input...>', 'CSV, JSON Lines, JSON or Parquet files (gzipped or not), or folders of part files')
    .addOption(new Option('-d, --destination <platform>', 'destination platform').choices(Object.keys(PROFILES)).makeOptionMandatory())
    .requiredOption('-m, --map <col=ID,...>', `map columns to identifiers (${IDENTIFIER_TYPES.join(', ')}); repeatable`, collect, [])
    .requiredOption('-o, --out <dir>', 'output folder (must not exist or be empty)')
    .option('--default-country <CC>', 'ISO country code for phones, states and postal codes of rows without a COUNTRY column value')
    .addOption(new Option('--date-format <order>', 'day/month order of ambiguous dates of birth').choices(['YMD', 'MDY', 'DMY']))
    .option('--memory-limit <size>', 'DuckDB memory limit, e.g. 600MB or 2GB')
    .option('--threads <n>', 'worker threads (default: all cores)', (v) => Number.parseInt(v, 10))
    .option('--json', 'print report.json instead of a summary')
    .action(async (inputs: string[], options: TransformCliOptions) => {
      const config = loadConfig();
      const report = await transform({
        inputs,
        destination: options.destination,
        mappings: parseMappingSpecs(options.map),
        outDir: options.out,
        dataDir: config.dataDir,
        defaultCountry: options.defaultCountry,
        dateFormat: options.dateFormat,
        memoryLimit: options.memoryLimit,
        threads: options.threads,
        onStage: options.json || !process.stderr.isTTY ? undefined : (stage) => process.stderr.write(`… ${stage}\n`),
      });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatSummary(report, options.out));
      // An empty result is almost always a wrong mapping or a wrong file; scripts must not carry on silently.
      if (report.rows.kept === 0) process.exitCode = 1;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatSummary(report: TransformReport, outDir: string): string {
  const lines = [
    `rows read           ${fmt(report.rows.read)}${report.rows.unreadable ? ` (${fmt(report.rows.unreadable)} unreadable)` : ''}`,
    `with an identifier  ${fmt(report.rows.withIdentifier)}`,
    `without any         ${fmt(report.rows.withoutIdentifier)}`,
    `duplicates removed  ${fmt(report.rows.duplicates)}`,
    `records written     ${fmt(report.rows.kept)} in ${report.output.files.length} file(s), ${report.output.typeName}`,
    '',
    'column               identifier  valid        empty        invalid',
  ];
  for (const c of report.columns) {
    const invalid = Object.entries(c.invalid).map(([reason, n]) => `${reason} ${fmt(n ?? 0)}`).join(', ') || '-';
    const tags = [c.prehashed ? 'pre-hashed' : '', c.contextOnly ? 'country only' : ''].filter(Boolean).join(', ');
    lines.push(
      `${c.column.padEnd(20)} ${c.identifier.padEnd(11)} ${fmt(c.valid).padEnd(12)} ${fmt(c.empty).padEnd(12)} ${invalid}${tags ? `  (${tags})` : ''}`,
    );
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push('', `output: ${outDir} (report.json has every file with its rows, bytes and MD5)`, '');
  return lines.join('\n');
}
