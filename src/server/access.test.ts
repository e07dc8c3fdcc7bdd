import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../db/queries/users.js';
import type { RouteAccess } from './auth/access.js';
import { createTestServer, type SessionHeaders, type TestServer } from './testing.js';

/**
 * The route table: every route the server registers (the domain routes too, once routes/index.ts registers them)
 * is called anonymously, with each role's API token, and with a cookie session lacking the CSRF token, and must
 * answer as its declared access says. Path parameters get an id no record has, so nothing real is changed.
 */

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Public by design: sign-in, what the sign-in page offers, OpenID Connect, the API docs, health, the web app. */
function allowedPublic(url: string): boolean {
  if (['/api/auth/login', '/api/auth/config', '/api/auth/oidc/login', '/api/auth/oidc/callback', '/healthz', '/readyz'].includes(url)) return true;
  if (url === '/api/docs' || url.startsWith('/api/docs/')) return true;
  // the web app: anything outside the API and the metrics
  return !(url === '/api' || url.startsWith('/api/') || url === '/metrics');
}

/** A concrete path for a route pattern: parameters and wildcards get values no record has. */
function pathOf(url: string): string {
  return url.replace(/:[A-Za-z0-9_]+/g, '999999').replace(/\*/g, 'no-such-file');
}

/** The answer's error code; HEAD answers have no body, so any code is taken as the expected one there. */
function codeIs(response: { body: string }, method: string, code: string): boolean {
  if (method === 'HEAD') return true;
  try {
    return (JSON.parse(response.body) as { code?: string }).code === code;
  } catch {
    return false;
  }
}

let t: TestServer;
let routes: RouteAccess[];
const sessions = new Map<Role, SessionHeaders>();

beforeAll(async () => {
  t = await createTestServer();
  routes = t.app.routeAccess.filter((route) => route.method !== 'OPTIONS');
  for (const role of ROLES) sessions.set(role, await t.session(role));
});

afterAll(async () => {
  await t?.close();
});

it('records an access level for every route, and every /api and /metrics route declares one', () => {
  expect(routes.length).toBeGreaterThan(20);
  for (const route of routes) expect(['public', ...ROLES], `${route.method} ${route.url}`).toContain(route.access);
  // the core routes are there with the access of the contract
  const access = (method: string, url: string) => routes.find((r) => r.method === method && r.url === url)?.access;
  expect(access('POST', '/api/auth/login')).toBe('public');
  expect(access('GET', '/api/users')).toBe('admin');
  expect(access('POST', '/api/tokens')).toBe('viewer');
  expect(access('GET', '/metrics')).toBe('viewer');
});

it('makes public only sign-in, auth config, OpenID Connect, docs, health and the web app', () => {
  const unexpected = routes.filter((route) => route.access === 'public' && !allowedPublic(route.url)).map((r) => `${r.method} ${r.url}`);
  expect(unexpected).toEqual([]);
});

it('refuses a server whose API route declares no access', async () => {
  const { buildServer } = await import('./app.js');
  const app = await buildServer(t.runtime, { webRoot: false });
  expect(() => app.get('/api/forgotten', async () => ({}))).toThrow(/declares no config.access/);
  await app.close();
});

describe('every route answers by its access level', () => {
  it('anonymous: 401 unless public', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const response = await t.app.inject({ method: route.method as 'GET', url: pathOf(route.url) });
      const unauthenticated = response.statusCode === 401;
      if (route.access === 'public' ? unauthenticated : !unauthenticated || !codeIs(response, route.method, 'AU_UNAUTHENTICATED')) {
        wrong.push(`${route.method} ${route.url} (${route.access}) -> ${response.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  for (const role of ROLES) {
    it(`${role} token: 403 below the route's level, neither 401 nor 403 at or above`, async () => {
      const wrong: string[] = [];
      for (const route of routes) {
        const response = await t.app.inject({ method: route.method as 'GET', url: pathOf(route.url), headers: t.as(role) });
        const allowed = route.access === 'public' || RANK[role] >= RANK[route.access];
        const ok = allowed ? response.statusCode !== 401 && response.statusCode !== 403 : response.statusCode === 403 && codeIs(response, route.method, 'AU_FORBIDDEN');
        if (!ok) wrong.push(`${route.method} ${route.url} (${route.access}) as ${role} -> ${response.statusCode} ${response.body.slice(0, 160)}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('cookie session: every non-public route that changes something needs the CSRF token', async () => {
    const wrong: string[] = [];
    const admin = sessions.get('admin')!;
    for (const route of routes.filter((r) => UNSAFE.has(r.method) && r.access !== 'public')) {
      const response = await t.app.inject({ method: route.method as 'POST', url: pathOf(route.url), headers: { cookie: admin.cookie } });
      if (response.statusCode !== 403 || !codeIs(response, route.method, 'AU_CSRF')) wrong.push(`${route.method} ${route.url} -> ${response.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });

  it('cookie session with the CSRF token: as a token of the same role', async () => {
    const wrong: string[] = [];
    for (const role of ROLES) {
      for (const route of routes.filter((r) => r.access !== 'public' && r.url !== '/api/auth/logout')) {
        const response = await t.app.inject({ method: route.method as 'GET', url: pathOf(route.url), headers: { ...sessions.get(role)! } });
        const allowed = RANK[role] >= RANK[route.access as Role];
        const ok = allowed ? response.statusCode !== 401 && response.statusCode !== 403 : response.statusCode === 403 && codeIs(response, route.method, 'AU_FORBIDDEN');
        if (!ok) wrong.push(`${route.method} ${route.url} (${route.access}) as ${role} session -> ${response.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
