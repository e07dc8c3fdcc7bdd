import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openRuntime } from '../../jobs/runtime.js';
import { startWorker } from '../../jobs/worker.js';
import { retentionDays, sweepRetention } from '../../jobs/retention.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .action(async () => {
      const { dataDir } = loadConfig();
      const runtime = await openRuntime({ dataDir, supervise: true });
      const worker = await startWorker(runtime);
      process.stdout.write(`worker ${runtime.workerId} started (${runtime.db.kind}, storage ${runtime.storage.description})\n`);
      const days = retentionDays(process.env);
      const sweep = () =>
        sweepRetention(runtime, days).catch((error: unknown) => process.stderr.write(`retention sweep failed: ${error instanceof Error ? error.message : String(error)}\n`));
      await sweep();
      const sweeper = setInterval(() => void sweep(), 3600_000);
      sweeper.unref();
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      clearInterval(sweeper);
      await worker.stop();
      await runtime.close();
    });
}
