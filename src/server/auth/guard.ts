import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { useApiToken } from '../../db/queries/tokens.js';
import { getUser } from '../../db/queries/users.js';
import { AuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { roleAllows, type Access, type AuthContext, type RouteAccess } from './access.js';
import { bearerToken, tokenHash } from './api-tokens.js';

/** Routes under these prefixes must declare `config.access`. */
const GUARDED_PREFIXES = ['/api', '/metrics'];

/**
 * Routes registered by plugins we do not write (Swagger UI and its assets), public by design: they describe the API
 * and call nothing. They get `access: 'public'` here instead of failing the check above.
 */
const PUBLIC_PREFIXES = ['/api/docs'];

/** Routes a user whose password must change may still call (to change it, to see who they are, to leave). */
export const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set(['/api/auth/session', '/api/auth/password', '/api/auth/logout']);

/** Methods that change nothing; a cookie request with any other method must carry the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CSRF_HEADER = 'x-csrf-token';

function under(url: string, prefixes: string[]): boolean {
  return prefixes.some((prefix) => url === prefix || url.startsWith(`${prefix}/`));
}

/** What a request's credentials turned out to be. */
export type Authentication = AuthContext | { failed: string } | null;

/** Session-cookie authentication plugs in here (see sessions.ts); API tokens are handled below. */
export interface SessionResolver {
  /**
   * The caller of the request's session cookie; `{ failed }` with the message to answer when a cookie is there but
   * no longer valid (expired, signed out, user disabled); null when there is no cookie.
   */
  resolve(request: FastifyRequest): Promise<Authentication>;
}

/**
 * Authentication and authorization for every request, before its body is read (an onRequest hook, so a 401 or 403
 * never depends on the body): who is calling (API token or session cookie), whether their role allows the route,
 * and, for cookie requests that change something, the CSRF token. Routes only declare `config.access`; every
 * route's access is recorded in `app.routeAccess`.
 */
export function installGuard(app: FastifyInstance, runtime: Runtime, sessions?: SessionResolver): void {
  app.decorate('routeAccess', [] as RouteAccess[]);
  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined) {
      if (under(route.url, PUBLIC_PREFIXES) || !under(route.url, GUARDED_PREFIXES)) {
        route.config = { ...route.config, access: 'public' };
      } else {
        throw new Error(`route ${String(route.method)} ${route.url} declares no config.access`);
      }
    }
    for (const method of [route.method].flat()) app.routeAccess.push({ method, url: route.url, access: route.config.access! });
  });
  app.addHook('onRequest', async (request) => {
    const access: Access = request.routeOptions.config?.access ?? 'public';
    // The web app's files and the health checks need no caller: spare them a session lookup per request.
    if (access === 'public' && !under(request.url, GUARDED_PREFIXES)) {
      request.auth = null;
      return;
    }
    const found = await authenticate(request, runtime, sessions);
    request.auth = found && 'user' in found ? found : null;
    if (access === 'public') return;
    if (!request.auth) {
      throw new AuError('AU_UNAUTHENTICATED', found && 'failed' in found ? found.failed : 'sign in first: this needs a session or an API token');
    }
    const session = request.auth.session;
    if (session && !SAFE_METHODS.has(request.method) && !sameToken(request.headers[CSRF_HEADER], session.csrfToken)) {
      throw new AuError('AU_CSRF', `this request needs the ${CSRF_HEADER} header of your session (reload the page)`);
    }
    if (request.auth.user.mustChangePassword && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(request.routeOptions.url ?? '')) {
      throw new AuError('AU_PASSWORD_CHANGE_REQUIRED', 'change your one-time password first');
    }
    if (!roleAllows(request.auth.user.role, access)) {
      throw new AuError('AU_FORBIDDEN', `this needs the ${access} role; you are ${request.auth.user.role}`);
    }
  });
}

/** Constant-time comparison, so the time of a refusal does not reveal how much of a guessed token was right. */
function sameToken(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function authenticate(request: FastifyRequest, runtime: Runtime, sessions?: SessionResolver): Promise<Authentication> {
  const token = bearerToken(request.headers.authorization);
  if (token !== undefined) {
    const failed = { failed: 'the API token is unknown, revoked or expired' };
    const found = await useApiToken(runtime.db, tokenHash(token));
    if (!found) return failed;
    const user = await getUser(runtime.db, found.userId);
    if (!user || user.disabledAt) return failed;
    // A token acts for a person who has set their own password; tokens are not a way around the first-login change.
    return { user: { id: user.id, email: user.email, role: user.role, mustChangePassword: user.mustChangePassword }, via: 'token', actor: user.email };
  }
  return sessions ? sessions.resolve(request) : null;
}
