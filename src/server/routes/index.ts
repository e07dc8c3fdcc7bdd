import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../../jobs/runtime.js';

/** The domain API (platforms, destinations, files, datasets, uploads, jobs, schedules, drop zone, audit), under /api. */
export const apiRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (_app, _options) => {};
