import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../db/queries/tokens.js';
import { ROLES, createUser, type Role } from '../db/queries/users.js';
import { openRuntime, type Runtime } from '../jobs/runtime.js';
import { buildServer, type ServerOptions } from './app.js';
import { newApiToken, tokenHash } from './auth/api-tokens.js';

/** A server on a fresh embedded database, with one user of each role and an API token for each. */
export interface TestServer {
  app: FastifyInstance;
  runtime: Runtime;
  dataDir: string;
  /** `authorization` headers for a user of each role (`<role>@example.test`). */
  as(role: Role): { authorization: string };
  close(): Promise<void>;
}

export async function createTestServer(options: ServerOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'au-server-'));
  const runtime = await openRuntime({ dataDir, env: options.env ?? {} });
  const tokens = new Map<Role, string>();
  for (const role of ROLES) {
    const user = await createUser(runtime.db, { email: `${role}@example.test`, passwordHash: null, role });
    const token = newApiToken();
    await createApiToken(runtime.db, { userId: user.id, tokenHash: tokenHash(token), name: 'test' });
    tokens.set(role, token);
  }
  const app = await buildServer(runtime, options);
  await app.ready();
  return {
    app,
    runtime,
    dataDir,
    as: (role) => ({ authorization: `Bearer ${tokens.get(role)!}` }),
    async close() {
      await app.close();
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
