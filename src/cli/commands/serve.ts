import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openRuntime } from '../../jobs/runtime.js';
import { startWorker } from '../../jobs/worker.js';
import { buildServer } from '../../server/app.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the server (health checks now; the API and web app come with it) with an in-process worker.')
    .option('-p, --port <n>', 'port', (v) => Number.parseInt(v, 10), Number(process.env.PORT ?? 8080))
    .option('--host <host>', 'address to listen on', process.env.HOST ?? '127.0.0.1')
    .option('--no-worker', 'serve only; leave the jobs to `worker` processes')
    .action(async (options: { port: number; host: string; worker: boolean }) => {
      const { dataDir } = loadConfig();
      const runtime = await openRuntime({ dataDir, supervise: options.worker });
      const worker = options.worker ? await startWorker(runtime) : null;
      const app = await buildServer(runtime);
      await app.listen({ port: options.port, host: options.host });
      process.stdout.write(`serving on http://${options.host}:${options.port} (${runtime.db.kind}${worker ? ', with a worker' : ''})\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await app.close();
      await worker?.stop();
      await runtime.close();
    });
}
