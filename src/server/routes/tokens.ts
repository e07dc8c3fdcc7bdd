import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../db/queries/audit.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../db/queries/tokens.js';
import { AuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { newApiToken, tokenHash } from '../auth/api-tokens.js';
import { IdParams } from '../auth/user-json.js';

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

export const TokenJson = z.object({
  id: z.number().int(),
  name: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const CreatedTokenJson = z.object({ token: z.string(), id: z.number().int(), name: z.string(), expiresAt: z.string().nullable() });

/** The caller's own API tokens (for scripts and Prometheus). A token acts with its owner's role. */
export const tokenRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (base, { runtime }) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const db = runtime.db;

  app.get('/tokens', {
    config: { access: 'viewer' },
    schema: { tags: ['tokens'], summary: 'Your API tokens (never their values)', response: { 200: z.object({ tokens: z.array(TokenJson) }) } },
  }, async (request) => {
    const tokens = await listApiTokens(db, request.auth!.user.id);
    return {
      tokens: tokens.map((t) => ({ id: t.id, name: t.name, createdAt: iso(t.createdAt)!, expiresAt: iso(t.expiresAt), lastUsedAt: iso(t.lastUsedAt), revokedAt: iso(t.revokedAt) })),
    };
  });

  app.post('/tokens', {
    config: { access: 'viewer' },
    schema: {
      tags: ['tokens'],
      summary: 'Create an API token (its value is shown only in this answer)',
      body: z.object({ name: z.string().trim().min(1).max(100), expiresInDays: z.number().int().min(1).max(3650).optional() }),
      response: { 201: CreatedTokenJson },
    },
  }, async (request, reply) => {
    const auth = request.auth!;
    const token = newApiToken();
    const { name, expiresInDays } = request.body;
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const created = await db.transaction(async (tx) => {
      const row = await createApiToken(tx, { userId: auth.user.id, tokenHash: tokenHash(token), name, expiresAt });
      await recordAudit(tx, { actor: auth.actor, action: 'token.created', targetType: 'token', targetId: row.id, details: { name, expiresAt: iso(expiresAt) } });
      return row;
    });
    return reply.code(201).send({ token, id: created.id, name: created.name, expiresAt: iso(created.expiresAt) });
  });

  app.delete('/tokens/:id', {
    config: { access: 'viewer' },
    schema: { tags: ['tokens'], summary: 'Revoke one of your API tokens', params: IdParams, response: { 204: z.null() } },
  }, async (request, reply) => {
    const auth = request.auth!;
    const revoked = await db.transaction(async (tx) => {
      if (!(await revokeApiToken(tx, auth.user.id, request.params.id))) return false;
      await recordAudit(tx, { actor: auth.actor, action: 'token.revoked', targetType: 'token', targetId: request.params.id });
      return true;
    });
    if (!revoked) throw new AuError('AU_NOT_FOUND', `you have no active API token with id ${request.params.id}`, { id: request.params.id });
    return reply.code(204).send(null);
  });
};
