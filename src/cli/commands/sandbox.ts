import type { Command } from 'commander';
import { SANDBOX_CREDENTIALS, createSandboxServer } from '../../sandbox/server.js';

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .option('-p, --port <n>', 'port to listen on', (v) => Number.parseInt(v, 10), 4010)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--log', 'log every request')
    .action(async (options: { port: number; host: string; log?: boolean }) => {
      const server = await createSandboxServer({ logRequests: options.log });
      const base = await server.listen(options.port, options.host);
      const { tiktok, meta } = SANDBOX_CREDENTIALS;
      process.stdout.write(
        [
          `sandbox listening on ${base}`,
          '',
          'Use it from another terminal with:',
          `  export AU_TIKTOK_BASE_URL=${base} AU_TIKTOK_ACCESS_TOKEN=${tiktok.accessToken} AU_TIKTOK_ADVERTISER_ID=${tiktok.advertiserId}`,
          `  export AU_META_BASE_URL=${base} AU_META_ACCESS_TOKEN=${meta.accessToken} AU_META_AD_ACCOUNT_ID=${meta.adAccountId}`,
          '',
          `Control: PUT ${base}/_sandbox/<tiktok|meta>/faults {"rateLimitRate":0.3,"serverErrorRate":0.05,"dropRate":0.02,"slowRate":0.1,"slowMs":2000}`,
          `         GET ${base}/_sandbox/<platform>/audiences, .../audiences/<id>/members, .../stats; POST ${base}/_sandbox/reset`,
          'Ctrl-C stops it (its audiences live in memory only).',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
