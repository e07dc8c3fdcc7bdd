import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Runtime } from '../jobs/runtime.js';
import { BATCH_STATES, JOB_STATES } from '../jobs/spec.js';


/**
 * Prometheus metrics at GET /metrics (viewer: Prometheus scrapes with an API token in `authorization`). A registry
 * per server, not prom-client's global one, so several servers (tests) never collide. Call before the routes are
 * registered, so the duration hook times all of them.
 */
export function installMetrics(app: FastifyInstance, runtime: Runtime): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'au_' });

  const duration = new Histogram({
    name: 'au_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  // The route pattern (`/api/jobs/:id`), never the URL: ids in labels would grow the series without bound.
  app.addHook('onResponse', async (request, reply) => {
    duration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // Counted when scraped: the database is the truth shared by every worker.
  new Gauge({
    name: 'au_jobs',
    help: 'Upload jobs by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const rows = await runtime.db.query<{ state: string; count: number }>('SELECT state, count(*) AS count FROM jobs GROUP BY state');
      for (const state of JOB_STATES) this.set({ state }, 0);
      for (const row of rows) this.set({ state: row.state }, Number(row.count));
    },
  });
  new Gauge({
    name: 'au_batches',
    help: 'Upload batches by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const rows = await runtime.db.query<{ state: string; count: number }>('SELECT state, count(*) AS count FROM batches GROUP BY state');
      for (const state of BATCH_STATES) this.set({ state }, 0);
      for (const row of rows) this.set({ state: row.state }, Number(row.count));
    },
  });

  app.get('/metrics', { config: { access: 'viewer' }, schema: { tags: ['monitoring'], summary: 'Prometheus metrics (text exposition format)' } }, async (_request, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
}
