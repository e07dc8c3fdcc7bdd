import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FaultSettings } from './faults.js';
import type { PlatformSandbox } from './platform.js';
import { createTiktokSandbox, type TiktokSandboxOptions } from '../destinations/tiktok/sandbox/index.js';
import { createMetaSandbox, type MetaSandboxOptions } from '../destinations/meta/sandbox/index.js';

/** Credentials the sandboxes accept unless told otherwise; the demo and the README use them. */
export const SANDBOX_CREDENTIALS = {
  tiktok: { accessToken: 'sandbox-tiktok-token', advertiserId: '7000000000000000001', otherAdvertiserId: '7000000000000000002' },
  meta: { accessToken: 'sandbox-meta-token', adAccountId: '1000000000000001', otherAdAccountId: '1000000000000002' },
} as const;

export interface SandboxServerOptions {
  tiktok?: Partial<TiktokSandboxOptions>;
  meta?: Partial<MetaSandboxOptions>;
  /** Log each request (the CLI turns it on; tests keep it quiet). */
  logRequests?: boolean;
}

export interface SandboxServer {
  app: FastifyInstance;
  platforms: Record<'tiktok' | 'meta', PlatformSandbox>;
  /** Listens on 127.0.0.1 (port 0 picks a free one) and returns the base URL, e.g. http://127.0.0.1:4010. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const faultSettingsSchema = z
  .object({
    rateLimitRate: z.number().min(0).max(1),
    serverErrorRate: z.number().min(0).max(1),
    garbageRate: z.number().min(0).max(1),
    dropRate: z.number().min(0).max(1),
    slowRate: z.number().min(0).max(1),
    slowMs: z.number().int().min(0).max(600_000),
    maxRequestsPerSecond: z.number().min(0),
    invalidRowRate: z.number().min(0).max(1),
    seed: z.number().int(),
  })
  .partial()
  .strict();

/**
 * Both platform sandboxes on one port, at their real paths (TikTok under /open_api/v1.3/, Meta under /vNN.N/), plus
 * control routes under /_sandbox/ for tests: fault switches, audience membership, statistics, reset.
 */
export async function createSandboxServer(options: SandboxServerOptions = {}): Promise<SandboxServer> {
  const platforms = {
    tiktok: createTiktokSandbox({
      accessTokens: {
        [SANDBOX_CREDENTIALS.tiktok.accessToken]: [
          SANDBOX_CREDENTIALS.tiktok.advertiserId,
          SANDBOX_CREDENTIALS.tiktok.otherAdvertiserId,
        ],
      },
      ...options.tiktok,
    }),
    meta: createMetaSandbox({
      accessTokens: {
        [SANDBOX_CREDENTIALS.meta.accessToken]: [SANDBOX_CREDENTIALS.meta.adAccountId, SANDBOX_CREDENTIALS.meta.otherAdAccountId],
      },
      ...options.meta,
    }),
  };
  // Batches of 10,000 Meta rows are about 7 MB of JSON; TikTok files are up to 50 MB (multipart has its own limit).
  const app = Fastify({ logger: options.logRequests ? { level: 'info' } : false, bodyLimit: 64 * 1024 * 1024, forceCloseConnections: true });
  for (const sandbox of Object.values(platforms)) await sandbox.register(app);
  registerControlRoutes(app, platforms);

  return {
    app,
    platforms,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('sandbox did not bind a TCP port');
      return `http://${host}:${address.port}`;
    },
    close: () => app.close(),
  };
}

function registerControlRoutes(app: FastifyInstance, platforms: Record<string, PlatformSandbox>): void {
  const platformOf = (name: string): PlatformSandbox | undefined => platforms[name];

  app.get('/_sandbox/health', async () => ({ ok: true, platforms: Object.keys(platforms) }));

  app.post('/_sandbox/reset', async () => {
    for (const sandbox of Object.values(platforms)) sandbox.reset();
    return { ok: true };
  });

  app.get<{ Params: { platform: string } }>('/_sandbox/:platform/faults', async (request, reply) => {
    const sandbox = platformOf(request.params.platform);
    if (!sandbox) return reply.code(404).send({ error: `no sandbox for platform ${request.params.platform}` });
    return sandbox.faults.current();
  });

  app.put<{ Params: { platform: string } }>('/_sandbox/:platform/faults', async (request, reply) => {
    const sandbox = platformOf(request.params.platform);
    if (!sandbox) return reply.code(404).send({ error: `no sandbox for platform ${request.params.platform}` });
    const parsed = faultSettingsSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) });
    return sandbox.faults.configure(parsed.data as Partial<FaultSettings>);
  });

  app.get<{ Params: { platform: string } }>('/_sandbox/:platform/audiences', async (request, reply) => {
    const sandbox = platformOf(request.params.platform);
    if (!sandbox) return reply.code(404).send({ error: `no sandbox for platform ${request.params.platform}` });
    return { audiences: sandbox.audiences() };
  });

  app.get<{ Params: { platform: string; id: string } }>(
    '/_sandbox/:platform/audiences/:id/members',
    async (request, reply) => {
      const sandbox = platformOf(request.params.platform);
      if (!sandbox) return reply.code(404).send({ error: `no sandbox for platform ${request.params.platform}` });
      const members = sandbox.members(request.params.id);
      if (members === null) return reply.code(404).send({ error: `no audience ${request.params.id}` });
      return { count: members.length, members };
    },
  );

  app.get<{ Params: { platform: string } }>('/_sandbox/:platform/stats', async (request, reply) => {
    const sandbox = platformOf(request.params.platform);
    if (!sandbox) return reply.code(404).send({ error: `no sandbox for platform ${request.params.platform}` });
    return sandbox.stats();
  });
}
