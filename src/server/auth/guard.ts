import type { FastifyInstance, FastifyRequest } from 'fastify';
import { useApiToken } from '../../db/queries/tokens.js';
import { getUser } from '../../db/queries/users.js';
import { AuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { roleAllows, type Access, type AuthContext } from './access.js';
import { bearerToken, tokenHash } from './api-tokens.js';

/** Routes under these prefixes must declare `config.access`. */
const GUARDED_PREFIXES = ['/api', '/metrics'];

/** Routes a user whose password must change may still call (to change it, to see who they are, to leave). */
export const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set(['/api/auth/session', '/api/auth/password', '/api/auth/logout']);

/**
 * Authentication and authorization for every request, before its body is read: who is calling (API token or
 * session cookie), whether their role allows the route, and, for cookie requests that change something, the CSRF
 * token. Routes only declare `config.access`.
 */
export function installGuard(app: FastifyInstance, runtime: Runtime, sessions?: SessionResolver): void {
  app.addHook('onRoute', (route) => {
    const guarded = GUARDED_PREFIXES.some((prefix) => route.url === prefix || route.url.startsWith(`${prefix}/`));
    if (guarded && route.config?.access === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.access`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const access: Access = request.routeOptions.config?.access ?? 'public';
    request.auth = await authenticate(request, runtime, sessions);
    if (access === 'public') return;
    if (!request.auth) throw new AuError('AU_UNAUTHENTICATED', 'sign in first: this needs a session or an API token');
    if (request.auth.user.mustChangePassword && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(request.routeOptions.url ?? '')) {
      throw new AuError('AU_PASSWORD_CHANGE_REQUIRED', 'change your one-time password first');
    }
    if (!roleAllows(request.auth.user.role, access)) {
      throw new AuError('AU_FORBIDDEN', `this needs the ${access} role; you are ${request.auth.user.role}`);
    }
  });
}

/** Session-cookie authentication (with its CSRF check) plugs in here; API tokens are handled below. */
export interface SessionResolver {
  resolve(request: FastifyRequest): Promise<AuthContext | null>;
}

async function authenticate(request: FastifyRequest, runtime: Runtime, sessions?: SessionResolver): Promise<AuthContext | null> {
  const token = bearerToken(request.headers.authorization);
  if (token !== undefined) {
    const found = await useApiToken(runtime.db, tokenHash(token));
    if (!found) throw new AuError('AU_UNAUTHENTICATED', 'the API token is unknown, revoked or expired');
    const user = await getUser(runtime.db, found.userId);
    if (!user || user.disabledAt) throw new AuError('AU_UNAUTHENTICATED', 'the API token is unknown, revoked or expired');
    // A token acts for a person who has set their own password; tokens are not a way around the first-login change.
    return { user: { id: user.id, email: user.email, role: user.role, mustChangePassword: user.mustChangePassword }, via: 'token', actor: user.email };
  }
  return sessions ? sessions.resolve(request) : null;
}
