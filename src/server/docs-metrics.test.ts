import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from './app.js';
import { SESSION_COOKIE } from './auth/sessions.js';
import { createTestServer, type TestServer } from './testing.js';

let t: TestServer;

beforeAll(async () => {
  t = await createTestServer({ webRoot: false });
});

afterAll(async () => {
  await t?.close();
});

describe('secure headers', () => {
  it('sends a CSP fit for the SPA, nosniff and no framing, on pages, API answers and errors', async () => {
    for (const url of ['/healthz', '/api/auth/config', '/api/nope', '/api/users', '/']) {
      const response = await t.app.inject({ method: 'GET', url });
      const csp = String(response.headers['content-security-policy']);
      expect(csp, url).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("img-src 'self' data:");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('serves Swagger UI under a CSP that lets it run', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const bundle = await t.app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
  });

  it('behind https: Secure cookies, HSTS, upgrade-insecure-requests', async () => {
    const server = await createTestServer({ webRoot: false, env: { AU_PUBLIC_URL: 'https://audiences.example.test', AU_LOGIN_RATE_LIMIT: '3' } });
    try {
      const response = await server.app.inject({ method: 'GET', url: '/healthz' });
      expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(String(response.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
      await server.runtime.db.query("UPDATE users SET password_hash = $1 WHERE email = 'viewer@example.test'", [await (await import('./auth/passwords.js')).hashPassword('a long enough passphrase')]);
      const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'viewer@example.test', password: 'a long enough passphrase' } });
      expect(login.cookies.find((c) => c.name === SESSION_COOKIE)!.secure).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('OpenAPI', () => {
  it('describes the API as OpenAPI 3, with the sign-in body and both security schemes', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Audience Uploader API');
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'au_session' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const login = doc.paths['/api/auth/login'].post;
    expect(login.tags).toEqual(['auth']);
    expect(login.security).toEqual([]);
    const body = login.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['email', 'password']));
    expect(Object.keys(body.properties)).toEqual(['email', 'password']);
    expect(doc.paths['/api/users'].get.description).toMatch(/admin role/);
    expect(doc.paths['/api/users/{id}'].patch).toBeDefined();
    // the docs do not describe themselves or the web app
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/docs'))).toEqual([]);
  });
});

describe('metrics', () => {
  it('needs a viewer; answers Prometheus text with jobs and batches by state and request durations', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: t.as('viewer') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('# TYPE au_jobs gauge');
    expect(response.body).toContain('au_jobs{state="queued"} 0');
    expect(response.body).toContain('au_batches{state="sending"} 0');
    expect(response.body).toMatch(/au_http_request_duration_seconds_count\{method="GET",route="\/metrics",status_code="401"\} 1/);
    expect(response.body).toContain('au_process_cpu_user_seconds_total');
  });

  it('keeps a registry per server', async () => {
    const other = await buildServer(t.runtime, { webRoot: false });
    const response = await other.inject({ method: 'GET', url: '/metrics', headers: t.as('viewer') });
    expect(response.body).not.toContain('route="/metrics",status_code="401"');
    await other.close();
  });
});

describe('logs', () => {
  it('never contain API tokens, session cookies, CSRF tokens or passwords', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await buildServer(t.runtime, { webRoot: false, logger: { level: 'trace', stream } });
    // a careless route that logs the whole request headers: redaction still hides the secrets
    app.get('/api/log-headers', { config: { access: 'viewer' } }, async (request) => {
      request.log.info({ headers: request.headers }, 'headers');
      return { ok: true };
    });
    await app.ready();
    try {
      const bearer = t.as('operator');
      const session = await t.session('admin');
      expect((await app.inject({ method: 'GET', url: '/api/log-headers', headers: bearer })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/log-headers', headers: session })).statusCode).toBe(200);
      await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'viewer@example.test', password: 'a secret typed password' } });
      await app.inject({ method: 'POST', url: '/api/tokens', headers: session, payload: { name: 'x' } });
      await app.inject({ method: 'GET', url: '/api/auth/oidc/callback?code=secret-code-value&state=secret-state-value' });
      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(5);
      expect(log).toContain('[redacted]');
      for (const secret of [bearer.authorization.slice('Bearer '.length), session.cookie.split('=')[1]!, session['x-csrf-token'], 'a secret typed password', 'secret-code-value', 'secret-state-value']) {
        expect(log).not.toContain(secret);
      }
    } finally {
      await app.close();
    }
  });
});

describe('web app', () => {
  let webRoot: string;

  beforeAll(() => {
    webRoot = mkdtempSync(join(tmpdir(), 'au-web-'));
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Audience Uploader</title><div id="root"></div>');
    writeFileSync(join(webRoot, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(webRoot, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  });

  afterAll(() => rmSync(webRoot, { recursive: true, force: true }));

  it('serves the built files, index.html for client routes, and JSON 404s for the API', async () => {
    const app = await buildServer(t.runtime, { webRoot });
    try {
      const index = await app.inject({ method: 'GET', url: '/' });
      expect(index.statusCode).toBe(200);
      expect(index.body).toContain('<div id="root">');
      expect(index.headers['cache-control']).toBe('no-cache');
      const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect((await app.inject({ method: 'GET', url: '/favicon.svg' })).statusCode).toBe(200);
      for (const url of ['/jobs/3f1c', '/destinations', '/users?tab=1']) {
        const page = await app.inject({ method: 'GET', url });
        expect(page.statusCode, url).toBe(200);
        expect(page.body).toContain('<div id="root">');
        expect(page.headers['cache-control']).toBe('no-cache');
      }
      for (const [method, url] of [['GET', '/api/nope'], ['GET', '/api'], ['GET', '/assets/missing.js'], ['POST', '/somewhere'], ['GET', '/metrics/x']] as const) {
        const missing = await app.inject({ method, url });
        expect(missing.statusCode, `${method} ${url}`).toBe(404);
        expect(missing.json().code).toBe('AU_NOT_FOUND');
      }
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
      expect((await app.inject({ method: 'GET', url: '/../../etc/passwd' })).statusCode).not.toBe(500);
    } finally {
      await app.close();
    }
  });

  it('says how to build the web app when it is not built', async () => {
    const app = await buildServer(t.runtime, { webRoot: join(webRoot, 'no-such-dist') });
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toMatch(/the web app is not built: run npm run build:web/i);
      expect((await app.inject({ method: 'GET', url: '/api/nope' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
