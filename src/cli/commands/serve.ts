import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openRuntime } from '../../jobs/runtime.js';
import { startWorker } from '../../jobs/worker.js';
import { buildServer } from '../../server/app.js';
import { ensureFirstAdmin, firstAdminMessage } from '../../server/auth/first-run.js';
import { startSandboxDemo } from '../../server/sandbox-demo.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .option('-p, --port <n>', 'port (0: any free port)', (v) => Number.parseInt(v, 10), Number(process.env.PORT ?? 8080))
    .option('--host <host>', 'address to listen on', process.env.HOST ?? '127.0.0.1')
    .option('--no-worker', 'serve only; leave the jobs to `worker` processes')
    .option('--sandbox', 'also run the TikTok and Meta sandboxes, with a synthetic sample file and two "Sandbox" destinations (what `npm start` does; AU_SANDBOX=off turns it off)')
    .action(async (options: { port: number; host: string; worker: boolean; sandbox?: boolean }) => {
      const { dataDir } = loadConfig();
      const runtime = await openRuntime({ dataDir, supervise: options.worker });
      const say = (line: string) => process.stdout.write(`${line}\n`);
      const demo = options.sandbox ? await startSandboxDemo(runtime, { env: process.env, log: say }) : null;
      const worker = options.worker ? await startWorker(runtime) : null;
      const app = await buildServer(runtime, { logger: { level: process.env.AU_LOG_LEVEL ?? 'warn' } });
      await app.listen({ port: options.port, host: options.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
      say(`Audience Uploader is running at ${url} (${runtime.db.kind}, storage ${runtime.storage.description}${worker ? ', with a worker' : ''}); API docs at ${url}/api/docs`);
      if (demo) say(`"TikTok Sandbox" and "Meta Sandbox" destinations send to the built-in sandbox at ${demo.baseUrl}`);
      // After the address, so that the one-time password is the last thing on the screen.
      const admin = await ensureFirstAdmin(runtime);
      if (admin) say(firstAdminMessage(admin, url));
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await app.close();
      await worker?.stop();
      await demo?.close();
      await runtime.close();
    });
}
