import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit } from '../../db/queries/audit.js';
import type { Runtime } from '../../jobs/runtime.js';
import { iso } from '../services/common.js';

export const auditPageSchema = z.object({
  entries: z.array(
    z.object({
      id: z.number(),
      at: z.string(),
      actor: z.string(),
      action: z.string(),
      targetType: z.string().nullable(),
      targetId: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
  nextBefore: z.number().nullable(),
});

/** GET /api/audit: who did what, newest first (names and counts, never identifiers or secrets). */
export const auditRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first; page with before=<the last id of the previous page>',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: z.coerce.number().int().positive().optional(),
          actor: z.string().max(320).optional(),
        }),
        response: { 200: auditPageSchema },
      },
    },
    async (request) => {
      const entries = await listAudit(runtime.db, request.query);
      return {
        entries: entries.map((entry) => ({ ...entry, at: iso(entry.at)! })),
        nextBefore: entries.length === request.query.limit ? entries.at(-1)!.id : null,
      };
    },
  );
};
