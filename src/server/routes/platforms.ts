import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IDENTIFIER_TYPES } from '../../identifiers/catalog.js';
import { JOB_MODES } from '../../jobs/spec.js';
import { listPlatforms } from '../services/platforms.js';

export const platformSchema = z.object({
  id: z.string(),
  label: z.string(),
  identifierTypes: z.array(z.object({ type: z.enum(IDENTIFIER_TYPES), label: z.string() })),
  audienceNameMaxLength: z.number(),
  minimumAudienceSize: z.number().nullable(),
  modes: z.array(z.enum(JOB_MODES)),
  credentialFields: z.array(z.object({ name: z.string(), label: z.string(), secret: z.boolean(), required: z.boolean() })),
  settingFields: z.array(z.object({ name: z.string(), label: z.string(), required: z.boolean(), default: z.string().optional() })),
});

/** GET /api/platforms: what each platform takes and needs, for the forms of the web app. */
export const platformRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/platforms',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['platforms'],
        summary: 'The platforms: identifiers they take, limits, upload modes, destination fields',
        response: { 200: z.object({ platforms: z.array(platformSchema) }) },
      },
    },
    async () => ({ platforms: listPlatforms() }),
  );
};
