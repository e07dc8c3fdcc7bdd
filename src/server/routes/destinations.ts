import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DESTINATIONS } from '../../destinations/registry.js';
import { getSavedDestination, listDestinations, removeDestination } from '../../destinations/saved.js';
import type { Runtime } from '../../jobs/runtime.js';
import { createDestination, destinationView, platformAudiences, rotateCredentials, testSavedDestination } from '../services/destinations.js';
import { destinationSchema, errorDoc, idParams, queryBoolean } from './domain-schemas.js';

const values = z.record(z.string(), z.string().max(4_096));

export const newDestinationSchema = z.object({
  name: z.string().min(1).max(100),
  platform: z.enum(Object.keys(DESTINATIONS) as [string, ...string[]]),
  credentials: values,
  settings: values.optional(),
  sandbox: z.boolean().optional(),
});
export const connectionTestSchema = z.object({ ok: z.literal(true), account: z.string(), message: z.string() });
export const platformAudiencesSchema = z.object({ audiences: z.array(z.object({ id: z.string(), name: z.string(), size: z.number().nullable() })) });

/**
 * Saved destinations. Credentials are write-only: lists show which fields are set, never values. Creating one and
 * rotating its credentials test them with the platform first (a refusal: 422 with the platform's reason, nothing
 * saved).
 */
export const destinationRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const tags = ['destinations'];

  app.get(
    '/destinations',
    { config: { access: 'viewer' }, schema: { tags, summary: 'Saved destinations (never a credential value)', response: { 200: z.object({ destinations: z.array(destinationSchema) }) } } },
    async () => ({ destinations: (await listDestinations(runtime.db)).map(destinationView) }),
  );

  app.post(
    '/destinations',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Save a destination; its credentials are tested with the platform first unless skipTest=true',
        description: `422 AU_AUTH_FAILED (or AU_PERMISSION_DENIED) with the platform's reason when it refuses them; nothing is saved. 409 AU_ALREADY_EXISTS for a taken name. ${errorDoc}`,
        querystring: z.object({ skipTest: queryBoolean }),
        body: newDestinationSchema,
        response: { 201: z.object({ destination: destinationSchema }) },
      },
    },
    async (request, reply) => {
      const saved = await createDestination(
        runtime,
        { ...request.body, settings: request.body.settings ?? {} },
        { actor: request.auth!.actor, skipTest: request.query.skipTest },
      );
      return reply.code(201).send({ destination: destinationView(saved) });
    },
  );

  app.post(
    '/destinations/:id/test',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: "Test a saved destination's credentials with the platform",
        description: `422 with the platform's reason when it refuses them. ${errorDoc}`,
        params: idParams,
        response: { 200: connectionTestSchema },
      },
    },
    async (request) => {
      const { destination, account } = await testSavedDestination(runtime, request.params.id);
      return { ok: true as const, account, message: `${destination.label} accepts the credentials of "${destination.name}" (account ${account})` };
    },
  );

  app.put(
    '/destinations/:id/credentials',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Rotate the credentials (fields not given keep their stored value); tested with the platform first',
        description: `422 with the platform's reason when it refuses them; nothing is changed. ${errorDoc}`,
        params: idParams,
        querystring: z.object({ skipTest: queryBoolean }),
        body: z.object({ credentials: values }),
        response: { 200: z.object({ destination: destinationSchema }) },
      },
    },
    async (request) => {
      const saved = await rotateCredentials(runtime, request.params.id, request.body.credentials, { actor: request.auth!.actor, skipTest: request.query.skipTest });
      return { destination: destinationView(saved) };
    },
  );

  app.delete(
    '/destinations/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Delete a saved destination and its credentials (its jobs stay in the history)',
        description: `409 AU_DESTINATION_IN_USE while a schedule or an unfinished job uses it. ${errorDoc}`,
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await getSavedDestination(runtime.db, request.params.id);
      await removeDestination(runtime.db, request.params.id, { actor: request.auth!.actor });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/destinations/:id/audiences',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: "The platform's audiences in the destination's account (to upload to an existing one)",
        params: idParams,
        querystring: z.object({ search: z.string().max(200).optional() }),
        response: { 200: platformAudiencesSchema },
      },
    },
    async (request) => {
      const audiences = await platformAudiences(runtime, request.params.id, request.query.search);
      return { audiences: audiences.map((audience) => ({ id: audience.id, name: audience.name, size: audience.size })) };
    },
  );
};
