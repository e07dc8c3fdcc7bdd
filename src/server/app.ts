import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Runtime } from '../jobs/runtime.js';
import { installGuard } from './auth/guard.js';
import { installErrorHandler } from './http-errors.js';
import { apiRoutes } from './routes/index.js';

export interface ServerOptions {
  /** Pino logger options, or false (tests). */
  logger?: boolean | Record<string, unknown>;
}

/**
 * The HTTP server: health checks, the REST API under /api (described at /api/docs), /metrics, and the web app.
 * Every API route declares who may call it (`config.access`, see auth/access.ts); the guard enforces it.
 */
export async function buildServer(runtime: Runtime, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  app.decorateRequest('auth', null);
  installGuard(app, runtime);

  // Alive: the process answers.
  app.get('/healthz', { config: { access: 'public' } }, async () => ({ ok: true }));
  // Ready: the database answers too.
  app.get('/readyz', { config: { access: 'public' } }, async (_request, reply) => {
    try {
      await runtime.db.query('SELECT 1');
      return { ok: true, database: runtime.db.kind, storage: runtime.storage.description };
    } catch {
      return reply.code(503).send({ ok: false, error: 'the database does not answer' });
    }
  });
  await app.register(apiRoutes, { runtime, prefix: '/api' });
  return app;
}
