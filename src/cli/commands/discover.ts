import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { discoverSchema, formatDiscoveryTable, validateSampleRows, DEFAULT_SAMPLE_ROWS } from '../../discover/index.js';
import { engineTempDir, openEngine } from '../../engine/duckdb.js';
import { AuError } from '../../errors.js';
import { openSource, resolveInputs } from '../../sources/index.js';

interface DiscoverCliOptions {
  json?: boolean;
  sampleRows?: string;
}

function parseSampleRows(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SAMPLE_ROWS;
  if (!/^\d+$/.test(value.trim())) throw new AuError('AU_OPTION_INVALID', `--sample-rows must be a whole number`, { option: 'sample-rows' });
  return validateSampleRows(Number(value));
}

/** `discover <input...>`: what the columns of an input hold, with masked samples and suggested identifiers. */
export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .argument('<input...>', 'files or folders of part files')
    .option('--json', 'print the report as JSON')
    .option('--sample-rows <n>', `rows to read from the start of the input (default ${DEFAULT_SAMPLE_ROWS})`)
    .action(async (inputs: string[], options: DiscoverCliOptions) => {
      const sampleRows = parseSampleRows(options.sampleRows);
      const skipped: string[] = [];
      const files = await resolveInputs(inputs, { onSkip: (path) => skipped.push(path) });
      const { dataDir } = loadConfig();
      const engine = await openEngine({ tempDir: engineTempDir(dataDir) });
      try {
        const source = await openSource(engine, files);
        const report = await discoverSchema(engine, source, { sampleRows });
        if (skipped.length > 0) report.warnings.push(`skipped ${skipped.length} non-data or empty file(s) inside the given folders`);
        await source.close();
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDiscoveryTable(report));
      } finally {
        engine.close();
      }
    });
}
