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

/** The environment a client needs to use the sandbox at `baseUrl` with its built-in credentials. */
export function sandboxEnv(baseUrl: string): NodeJS.ProcessEnv {
  const { tiktok, meta } = SANDBOX_CREDENTIALS;
  return {
    AU_TIKTOK_BASE_URL: baseUrl,
    AU_TIKTOK_ACCESS_TOKEN: tiktok.accessToken,
    AU_TIKTOK_ADVERTISER_ID: tiktok.advertiserId,
    AU_META_BASE_URL: baseUrl,
    AU_META_ACCESS_TOKEN: meta.accessToken,
    AU_META_AD_ACCOUNT_ID: meta.adAccountId,
  };
}

export async function startSandbox(options: SandboxServerOptions = {}): Promise<SandboxFixture> {
  const server = await createSandboxServer(options);
  const baseUrl = await server.listen(0);
  return {
    server,
    baseUrl,
    env: sandboxEnv(baseUrl),
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

/**
 * The sandbox in a child process (`bin/audience-uploader sandbox`), driven through its control routes: for
 * benchmarks, where a platform in the same process would compete with the client for the event loop.
 */
export interface RemoteSandbox {
  baseUrl: string;
  env: NodeJS.ProcessEnv;
  members(platform: SandboxPlatform, audienceId: string): Promise<string[]>;
  stats(platform: SandboxPlatform): Promise<SandboxStats>;
  faults(platform: SandboxPlatform, settings: Partial<FaultSettings>): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandboxProcess(): Promise<RemoteSandbox> {
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'audience-uploader'), 'sandbox', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the sandbox process exited (${code}) before listening`)));
  });
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/_sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox control ${method} ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    baseUrl,
    env: sandboxEnv(baseUrl),
    members: async (platform, audienceId) => (await control<{ members: string[] }>('GET', `${platform}/audiences/${audienceId}/members`)).members,
    stats: (platform) => control<SandboxStats>('GET', `${platform}/stats`),
    faults: async (platform, settings) => {
      await control('PUT', `${platform}/faults`, settings);
    },
    reset: async () => {
      await control('POST', 'reset');
    },
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
