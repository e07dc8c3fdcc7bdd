import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Runtime } from '../jobs/runtime.js';
import { installGuard } from './auth/guard.js';
import { createOidcClient } from './auth/oidc.js';
import { createSessionManager } from './auth/sessions.js';
import { installDocs } from './docs.js';
import { installErrorHandler } from './http-errors.js';
import { installMetrics } from './metrics.js';
import { authRoutes } from './routes/auth.js';
import { apiRoutes } from './routes/index.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { installSecurity } from './security.js';
import { serverSettings } from './settings.js';
import { installWebApp } from './web.js';

export interface ServerOptions {
  /** Pino logger options (a `stream` may be given), true for the defaults, or false (tests). Secrets are redacted. */
  logger?: boolean | Record<string, unknown>;
  /** Settings are read from this environment (default: the runtime's). */
  env?: NodeJS.ProcessEnv;
  /** The built web app's folder (default `<package root>/web/dist`); false serves no web app. */
  webRoot?: string | false;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Headers and fields that carry credentials, wherever a log line might include them. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-csrf-token"]',
  'headers["set-cookie"]',
  'body.password',
  'body.currentPassword',
  'body.newPassword',
];

/** Query parameters of the OpenID Connect callback (and any token someone puts in a URL) are not logged. */
const SECRET_QUERY = /([?&](?:code|state|token|access_token|id_token|session_state)=)[^&#]*/gi;

function loggerOptions(logger: ServerOptions['logger']): false | Record<string, unknown> {
  if (!logger) return false;
  const given = logger === true ? {} : logger;
  return {
    ...given,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: {
      req: (req: IncomingMessage & { ip?: string }) => ({
        method: req.method,
        url: req.url?.replace(SECRET_QUERY, '$1[redacted]'),
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
      ...(given.serializers as Record<string, unknown> | undefined),
    },
  };
}

/** AU_TRUST_PROXY: behind a reverse proxy, whose X-Forwarded-For gives the client address the rate limit keys on. */
function trustProxy(env: NodeJS.ProcessEnv): boolean | string {
  const raw = env.AU_TRUST_PROXY?.trim();
  if (!raw || /^(false|0|no)$/i.test(raw)) return false;
  if (/^(true|yes)$/i.test(raw)) return true;
  // A hop count (Fastify takes a number; its types only list strings) or a list of proxy addresses.
  return /^\d+$/.test(raw) ? (Number(raw) as unknown as string) : raw;
}

/**
 * The HTTP server: health checks, the REST API under /api (described at /api/docs), /metrics, and the web app.
 * Every API route declares who may call it (`config.access`, see auth/access.ts); the guard enforces it.
 */
export async function buildServer(runtime: Runtime, options: ServerOptions = {}): Promise<FastifyInstance> {
  const env = options.env ?? runtime.env;
  const settings = serverSettings(env);
  const app = Fastify({ logger: loggerOptions(options.logger), trustProxy: trustProxy(env) });
  // The web app installs the not-found handler (SPA fallback, JSON 404 elsewhere).
  installErrorHandler(app, { notFound: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await installSecurity(app, settings, runtime.db);
  app.decorateRequest('auth', null);
  const sessions = createSessionManager(runtime.db, settings);
  installGuard(app, runtime, sessions);
  await installDocs(app, { secure: settings.secureCookies, version: VERSION });
  installMetrics(app, runtime);

  // Alive: the process answers.
  app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['monitoring'], summary: 'Liveness' } }, async () => ({ ok: true }));
  // Ready: the database answers too.
  app.get('/readyz', { config: { access: 'public' }, schema: { tags: ['monitoring'], summary: 'Readiness (the database answers)' } }, async (_request, reply) => {
    try {
      await runtime.db.query('SELECT 1');
      return { ok: true, database: runtime.db.kind, storage: runtime.storage.description };
    } catch {
      return reply.code(503).send({ ok: false, error: 'the database does not answer' });
    }
  });
  const oidc = settings.oidc ? createOidcClient(runtime.db, settings.oidc) : null;
  await app.register(authRoutes, { prefix: '/api', runtime, sessions, settings, oidc });
  await app.register(userRoutes, { prefix: '/api', runtime });
  await app.register(tokenRoutes, { prefix: '/api', runtime });
  await app.register(apiRoutes, { runtime, prefix: '/api' });
  await installWebApp(app, { root: options.webRoot });
  return app;
}
