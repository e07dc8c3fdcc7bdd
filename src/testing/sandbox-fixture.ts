import { SANDBOX_CREDENTIALS, createSandboxServer, type SandboxServer, type SandboxServerOptions } from '../sandbox/server.js';
import type { FaultSettings } from '../sandbox/faults.js';
import type { SandboxStats } from '../sandbox/platform.js';

export type SandboxPlatform = 'tiktok' | 'meta';

/** A running sandbox on a free port, with the environment a client needs to talk to it. */
export interface SandboxFixture {
  server: SandboxServer;
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  members(platform: SandboxPlatform, audienceId: string): string[];
  stats(platform: SandboxPlatform): SandboxStats;
  faults(platform: SandboxPlatform, settings: Partial<FaultSettings>): void;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxServerOptions = {}): Promise<SandboxFixture> {
  const server = await createSandboxServer(options);
  const baseUrl = await server.listen(0);
  const { tiktok, meta } = SANDBOX_CREDENTIALS;
  return {
    server,
    baseUrl,
    env: {
      AU_TIKTOK_BASE_URL: baseUrl,
      AU_TIKTOK_ACCESS_TOKEN: tiktok.accessToken,
      AU_TIKTOK_ADVERTISER_ID: tiktok.advertiserId,
      AU_META_BASE_URL: baseUrl,
      AU_META_ACCESS_TOKEN: meta.accessToken,
      AU_META_AD_ACCOUNT_ID: meta.adAccountId,
    },
    members(platform, audienceId) {
      const members = server.platforms[platform].members(audienceId);
      if (members === null) throw new Error(`the ${platform} sandbox has no audience ${audienceId}`);
      return members;
    },
    stats: (platform) => server.platforms[platform].stats(),
    faults: (platform, settings) => {
      server.platforms[platform].faults.configure(settings);
    },
    close: () => server.close(),
  };
}
