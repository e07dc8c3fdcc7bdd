import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openEngine, engineTempDir } from '../../engine/duckdb.js';
import { writeSyntheticDataset } from '../../testing/synthetic-dataset.js';
import { startSandbox } from '../../testing/sandbox-fixture.js';
import { formatUploadSummary } from '../../upload/summary.js';
import { runUpload } from '../../upload/upload.js';

/**
 * `npm start` until the server exists: makes a synthetic sample export in the data folder and uploads it to the
 * TikTok and Meta sandboxes (started in-process), so a newcomer sees the whole product work on embedded defaults
 * in seconds, down to the exact membership the platform ends up with.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
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
      const runs = [
        { destination: 'tiktok' as const, map: [{ column: 'email', type: 'EMAIL' as const }] },
        {
          destination: 'meta' as const,
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
      const sandbox = await startSandbox();
      try {
        for (const run of runs) {
          process.stdout.write(`== upload to the ${run.destination} sandbox (${sandbox.baseUrl}): ${run.map.map((m) => `${m.column}=${m.type}`).join(',')}\n`);
          const summary = await runUpload({
            inputs: [sample],
            destination: run.destination,
            mappings: run.map,
            mode: 'replace',
            audienceName: 'Demo audience',
            defaultCountry: 'US',
            // The sandbox forgets its audiences when it stops: keep their ids apart from real ones.
            dataDir: join(dataDir, 'demo'),
            env: { ...process.env, ...sandbox.env },
          });
          process.stdout.write(formatUploadSummary(summary));
          if (summary.audience.id) {
            process.stdout.write(`the sandbox now holds ${sandbox.members(run.destination, summary.audience.id).length.toLocaleString('en-US')} members in audience ${summary.audience.id}\n`);
          }
          process.stdout.write('\n');
        }
      } finally {
        await sandbox.close();
      }
      process.stdout.write(
        'Next: bin/audience-uploader discover <your file>; bin/audience-uploader sandbox in one terminal and\n' +
          'bin/audience-uploader upload --help in another (the sandbox prints the settings to use).\n',
      );
    });
}
