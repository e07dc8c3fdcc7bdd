import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES, listUsers } from '../../db/queries/users.js';
import type { Runtime } from '../../jobs/runtime.js';
import { IdParams, UserJson, userJson } from '../auth/user-json.js';
import { createUserWithOneTimePassword, resetPasswordWithOneTimePassword, updateUser } from '../auth/users.js';

export const WithPassword = z.object({ user: UserJson, oneTimePassword: z.string().describe('shown once; the user must change it at first sign-in') });

/** User administration (admin only). Users are never deleted: disabling keeps the audit trail's actors meaningful. */
export const userRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (base, { runtime }) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const db = runtime.db;

  app.get('/users', {
    config: { access: 'admin' },
    schema: { tags: ['users'], summary: 'List users', response: { 200: z.object({ users: z.array(UserJson) }) } },
  }, async () => ({ users: (await listUsers(db)).map(userJson) }));

  app.post('/users', {
    config: { access: 'admin' },
    schema: {
      tags: ['users'],
      summary: 'Create a user with a one-time password',
      body: z.object({ email: z.string().trim().min(3).max(254), role: z.enum(ROLES) }),
      response: { 201: WithPassword },
    },
  }, async (request, reply) => {
    const created = await db.transaction((tx) => createUserWithOneTimePassword(tx, { ...request.body, actor: request.auth!.actor }));
    return reply.code(201).send({ user: userJson(created.user), oneTimePassword: created.oneTimePassword });
  });

  app.patch('/users/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['users'],
      summary: 'Change a user\'s role, or disable or enable them',
      description: 'Disabling ends their sessions and revokes their API tokens. The last enabled admin cannot be disabled or demoted.',
      params: IdParams,
      body: z.object({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() }),
      response: { 200: z.object({ user: UserJson }) },
    },
  }, async (request) => {
    const user = await updateUser(db, request.params.id, request.body, request.auth!.actor);
    return { user: userJson(user) };
  });

  app.post('/users/:id/reset-password', {
    config: { access: 'admin' },
    schema: {
      tags: ['users'],
      summary: 'Give a user a new one-time password (ends their sessions)',
      params: IdParams,
      response: { 200: WithPassword },
    },
  }, async (request) => {
    const reset = await resetPasswordWithOneTimePassword(db, request.params.id, request.auth!.actor);
    return { user: userJson(reset.user), oneTimePassword: reset.oneTimePassword };
  });
};
