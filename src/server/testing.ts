import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../db/queries/sessions.js';
import { createApiToken } from '../db/queries/tokens.js';
import { ROLES, createUser, type Role } from '../db/queries/users.js';
import { openRuntime, type Runtime } from '../jobs/runtime.js';
import { buildServer, type ServerOptions } from './app.js';
import { newApiToken, tokenHash } from './auth/api-tokens.js';
import { SESSION_COOKIE } from './auth/sessions.js';
import { serverSettings } from './settings.js';

/** Headers of a browser session: the cookie, and the CSRF token every request that is not GET must carry. */
export type SessionHeaders = {
  cookie: string;
  'x-csrf-token': string;
};

/** A server on a fresh embedded database, with one user of each role and an API token for each. */
export interface TestServer {
  app: FastifyInstance;
  runtime: Runtime;
  dataDir: string;
  /** `authorization` headers for a user of each role (`<role>@example.test`). */
  as(role: Role): { authorization: string };
  /** A new cookie session for the user of that role (made in the database: no sign-in, no rate limit). */
  session(role: Role): Promise<SessionHeaders>;
  /** Signs in through POST /api/auth/login; throws with the answer's body when that fails. */
  login(email: string, password: string): Promise<{ headers: SessionHeaders; mustChangePassword: boolean }>;
  close(): Promise<void>;
}

export async function createTestServer(options: ServerOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'au-server-'));
  const runtime = await openRuntime({ dataDir, env: options.env ?? {} });
  const tokens = new Map<Role, string>();
  const userIds = new Map<Role, number>();
  for (const role of ROLES) {
    const user = await createUser(runtime.db, { email: `${role}@example.test`, passwordHash: null, role });
    const token = newApiToken();
    await createApiToken(runtime.db, { userId: user.id, tokenHash: tokenHash(token), name: 'test' });
    tokens.set(role, token);
    userIds.set(role, user.id);
  }
  const app = await buildServer(runtime, options);
  await app.ready();
  const settings = serverSettings(options.env ?? runtime.env);
  return {
    app,
    runtime,
    dataDir,
    as: (role) => ({ authorization: `Bearer ${tokens.get(role)!}` }),
    async session(role) {
      const token = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(32).toString('base64url');
      await createSession(runtime.db, { idHash: tokenHash(token), userId: userIds.get(role)!, csrfToken, idleMinutes: settings.sessionIdleMinutes, maxHours: settings.sessionMaxHours });
      return { cookie: `${SESSION_COOKIE}=${token}`, 'x-csrf-token': csrfToken };
    },
    async login(email, password) {
      const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
      if (response.statusCode !== 200) throw new Error(`sign-in failed (${response.statusCode}): ${response.body}`);
      const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
      if (!cookie) throw new Error('sign-in set no session cookie');
      const body = response.json<{ csrfToken: string; user: { mustChangePassword: boolean } }>();
      return { headers: { cookie: `${SESSION_COOKIE}=${cookie.value}`, 'x-csrf-token': body.csrfToken }, mustChangePassword: body.user.mustChangePassword };
    },
    async close() {
      await app.close();
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
