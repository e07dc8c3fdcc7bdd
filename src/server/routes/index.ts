import type { FastifyPluginAsync } from 'fastify';
import type { Runtime } from '../../jobs/runtime.js';
import { auditRoutes } from './audit.js';
import { dashboardRoutes } from './dashboard.js';
import { datasetRoutes } from './datasets.js';
import { destinationRoutes } from './destinations.js';
import { dropzoneRoutes } from './dropzone.js';
import { fileRoutes } from './files.js';
import { jobRoutes } from './jobs.js';
import { platformRoutes } from './platforms.js';
import { scheduleRoutes } from './schedules.js';
import { uploadRoutes } from './uploads.js';

/**
 * The domain API (platforms, destinations, files, datasets, uploads, jobs, schedules, drop zone, audit), under /api.
 * Each area is its own plugin (routes/<area>.ts) over services in ../services; every route declares its access.
 */
export const apiRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (app, { runtime }) => {
  await app.register(platformRoutes);
  await app.register(destinationRoutes, { runtime });
  await app.register(fileRoutes, { runtime });
  await app.register(datasetRoutes, { runtime });
  await app.register(uploadRoutes, { runtime });
  await app.register(jobRoutes, { runtime });
  await app.register(dashboardRoutes, { runtime });
  await app.register(scheduleRoutes, { runtime });
  await app.register(dropzoneRoutes, { runtime });
  await app.register(auditRoutes, { runtime });
};
