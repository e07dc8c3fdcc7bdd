import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listDestinations } from '../../db/queries/destinations.js';
import { jobStateCounts, listJobsForApi } from '../../db/queries/jobs.js';
import { countSchedules } from '../../db/queries/schedules.js';
import type { Runtime } from '../../jobs/runtime.js';
import { jobView } from '../services/jobs.js';
import { jobSchema } from './domain-schemas.js';

export const dashboardSchema = z.object({
  counts: z.object({ queued: z.number(), preparing: z.number(), uploading: z.number(), done: z.number(), failed: z.number(), dead: z.number(), cancelled: z.number() }),
  recent: z.array(jobSchema),
  destinations: z.number(),
  schedules: z.number(),
});

/** GET /api/dashboard: job counts by state, the 10 latest jobs, and how many destinations and schedules exist. */
export const dashboardRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/dashboard',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['dashboard'],
        summary: 'Job counts by state, the latest jobs, and counts of destinations and schedules',
        response: { 200: dashboardSchema },
      },
    },
    async () => ({
      counts: await jobStateCounts(runtime.db),
      recent: (await listJobsForApi(runtime.db, { limit: 10 })).map(jobView),
      destinations: (await listDestinations(runtime.db)).length,
      schedules: await countSchedules(runtime.db),
    }),
  );
};
