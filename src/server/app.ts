import Fastify, { type FastifyInstance } from 'fastify';
import type { Runtime } from '../jobs/runtime.js';

/**
 * The HTTP server. For now it answers health checks (load balancers, orchestrators); the REST API and the web app
 * (issue 5) mount here as plugins.
 */
export async function buildServer(runtime: Runtime): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  // Alive: the process answers.
  app.get('/healthz', async () => ({ ok: true }));
  // Ready: the database answers too.
  app.get('/readyz', async (_request, reply) => {
    try {
      await runtime.db.query('SELECT 1');
      return { ok: true, database: runtime.db.kind, storage: runtime.storage.description };
    } catch {
      return reply.code(503).send({ ok: false, error: 'the database does not answer' });
    }
  });
  return app;
}
