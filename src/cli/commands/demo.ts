import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openEngine, engineTempDir } from '../../engine/duckdb.js';
import { writeSyntheticDataset } from '../../testing/synthetic-dataset.js';
import { transform } from '../../transform/transform.js';
import { formatSummary } from './transform.js';

/**
 * `npm start` until the server exists: makes a synthetic sample export in the data folder and transforms it for
 * each destination, so a newcomer sees the whole product work on embedded defaults in seconds.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Create a synthetic sample export in the data folder and transform it for TikTok and Meta.')
    .option('--rows <n>', 'rows in the sample', (v) => Number.parseInt(v, 10), 20_000)
    .action(async (options: { rows: number }) => {
      const { dataDir } = loadConfig();
      const sample = join(dataDir, 'samples', `audience-sample-${options.rows}.csv`);
      if (!existsSync(sample)) {
        mkdirSync(join(dataDir, 'samples'), { recursive: true });
        const engine = await openEngine({ tempDir: engineTempDir(dataDir) });
        try {
          await writeSyntheticDataset(engine, sample, { rows: options.rows, seed: 7 });
        } finally {
          engine.close();
        }
      }
      process.stdout.write(`sample: ${sample} (synthetic, ${options.rows.toLocaleString('en-US')} rows)\n\n`);
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
      const runs = [
        { destination: 'tiktok', map: [{ column: 'email', type: 'EMAIL' as const }] },
        {
          destination: 'meta',
          map: [
            { column: 'email', type: 'EMAIL' as const },
            { column: 'phone', type: 'PHONE' as const },
            { column: 'first_name', type: 'FN' as const },
            { column: 'last_name', type: 'LN' as const },
            { column: 'city', type: 'CT' as const },
            { column: 'zip', type: 'ZIP' as const },
            { column: 'country', type: 'COUNTRY' as const },
          ],
        },
      ];
      for (const run of runs) {
        const outDir = join(dataDir, 'out', `demo-${run.destination}-${stamp}`);
        const report = await transform({ inputs: [sample], destination: run.destination, mappings: run.map, outDir, dataDir, defaultCountry: 'US' });
        process.stdout.write(`== ${run.destination}: ${run.map.map((m) => `${m.column}=${m.type}`).join(',')}\n`);
        process.stdout.write(formatSummary(report, outDir));
        process.stdout.write('\n');
      }
      process.stdout.write('Next: bin/audience-uploader discover <your file>, then bin/audience-uploader transform --help\n');
    });
}
