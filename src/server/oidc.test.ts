import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../db/queries/audit.js';
import { OIDC_COOKIE } from './auth/oidc.js';
import { SESSION_COOKIE } from './auth/sessions.js';
import { createTestServer, type TestServer } from './testing.js';

const CLIENT_ID = 'audience-uploader';
const CLIENT_SECRET = 'fake-client-secret';
const REDIRECT = 'http://au.example.test/api/auth/oidc/callback';

/** What the fake provider puts in the next ID token (tests change it). */
interface NextIdentity {
  email?: string;
  email_verified?: boolean;
  /** Signs the ID token with a nonce other than the one asked for. */
  wrongNonce?: boolean;
}

/**
 * A small OpenID Connect provider: discovery, JWKS, an authorize endpoint that signs in whoever asks (redirecting
 * back with a code), and a token endpoint that checks the client secret and PKCE and issues an RS256 ID token.
 */
async function startFakeProvider(): Promise<{ issuer: string; next: NextIdentity; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { challenge: string; nonce: string; redirectUri: string }>();
  const next: NextIdentity = {};
  const app: FastifyInstance = Fastify();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
  let issuer = '';

  app.get('/.well-known/openid-configuration', async () => ({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post'],
  }));
  app.get('/jwks', async () => ({ keys: [jwk] }));
  app.get('/authorize', async (request, reply) => {
    const q = request.query as Record<string, string>;
    if (q.client_id !== CLIENT_ID || q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.nonce || !q.state) {
      return reply.code(400).send({ error: 'invalid_request' });
    }
    const code = randomBytes(16).toString('hex');
    codes.set(code, { challenge: q.code_challenge!, nonce: q.nonce, redirectUri: q.redirect_uri! });
    const back = new URL(q.redirect_uri!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.state);
    return reply.redirect(back.href, 302);
  });
  app.post('/token', async (request, reply) => {
    const body = request.body as Record<string, string>;
    const grant = codes.get(body.code ?? '');
    codes.delete(body.code ?? '');
    const verifierOk = grant && createHash('sha256').update(body.code_verifier ?? '').digest('base64url') === grant.challenge;
    if (!grant || body.client_id !== CLIENT_ID || body.client_secret !== CLIENT_SECRET || !verifierOk || body.redirect_uri !== grant.redirectUri) {
      return reply.code(400).send({ error: 'invalid_grant' });
    }
    const claims: Record<string, unknown> = { nonce: next.wrongNonce ? 'another-nonce' : grant.nonce };
    if (next.email !== undefined) claims.email = next.email;
    if (next.email_verified !== undefined) claims.email_verified = next.email_verified;
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(CLIENT_ID)
      .setSubject(`sub-${next.email ?? 'none'}`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    return { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  issuer = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { issuer, next, close: () => app.close() };
}

let provider: Awaited<ReturnType<typeof startFakeProvider>>;
let t: TestServer;

beforeAll(async () => {
  provider = await startFakeProvider();
  t = await createTestServer({
    webRoot: false,
    env: { AU_OIDC_ISSUER: provider.issuer, AU_OIDC_CLIENT_ID: CLIENT_ID, AU_OIDC_CLIENT_SECRET: CLIENT_SECRET, AU_OIDC_REDIRECT_URL: REDIRECT, AU_OIDC_LABEL: 'Example SSO', AU_OIDC_DEFAULT_ROLE: 'operator' },
  });
});

afterAll(async () => {
  await t?.close();
  await provider?.close();
});

/** The browser's round trip: our login route, the provider's authorize page, our callback. */
async function signInThroughProvider(options: { keepCookie?: boolean } = {}) {
  const start = await t.app.inject({ method: 'GET', url: '/api/auth/oidc/login' });
  expect(start.statusCode).toBe(302);
  const pending = start.cookies.find((c) => c.name === OIDC_COOKIE)!;
  expect(pending.httpOnly).toBe(true);
  const authorize = await fetch(String(start.headers.location), { redirect: 'manual' });
  expect(authorize.status).toBe(302);
  const back = new URL(authorize.headers.get('location')!);
  expect(back.origin + back.pathname).toBe(REDIRECT);
  return t.app.inject({
    method: 'GET',
    url: `/api/auth/oidc/callback${back.search}`,
    headers: options.keepCookie === false ? {} : { cookie: `${OIDC_COOKIE}=${pending.value}` },
  });
}

describe('OpenID Connect', () => {
  it('tells the sign-in page it is on', async () => {
    const config = await t.app.inject({ method: 'GET', url: '/api/auth/config' });
    expect(config.json()).toEqual({ oidc: { enabled: true, label: 'Example SSO' } });
  });

  it('signs in a new user with the default role, then the same user again', async () => {
    provider.next.email = 'dana@example.test';
    provider.next.email_verified = true;
    const callback = await signInThroughProvider();
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/');
    const session = callback.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(session.httpOnly).toBe(true);
    const who = await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: `${SESSION_COOKIE}=${session.value}` } });
    expect(who.json()).toMatchObject({ user: { email: 'dana@example.test', role: 'operator', mustChangePassword: false }, via: 'session' });

    const again = await signInThroughProvider();
    expect(again.headers.location).toBe('/');
    const users = await t.runtime.db.query<{ password_hash: string | null }>("SELECT password_hash FROM users WHERE email = 'dana@example.test'");
    expect(users).toEqual([{ password_hash: null }]);
    const actions = (await listAudit(t.runtime.db, { limit: 10 })).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(expect.arrayContaining(['oidc user.created', 'dana@example.test user.login']));
    // a password sign-in is impossible for this account
    const password = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'dana@example.test', password: 'anything at all' } });
    expect(password.statusCode).toBe(401);
  });

  it('signs in an existing user with their own role', async () => {
    provider.next.email = 'Admin@Example.test';
    provider.next.email_verified = true;
    const callback = await signInThroughProvider();
    const session = callback.cookies.find((c) => c.name === SESSION_COOKIE)!;
    const who = await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: `${SESSION_COOKIE}=${session.value}` } });
    expect(who.json().user).toMatchObject({ email: 'admin@example.test', role: 'admin' });
  });

  it('accepts a provider that omits email_verified; refuses an unverified or missing email, a bad nonce, a lost cookie', async () => {
    provider.next.email = 'erin@example.test';
    delete provider.next.email_verified;
    expect((await signInThroughProvider()).headers.location).toBe('/');

    const refusals: [NextIdentity, boolean, RegExp][] = [
      [{ email: 'frank@example.test', email_verified: false }, true, /not verified/],
      [{}, true, /did not give an email/],
      [{ email: 'gina@example.test', email_verified: true, wrongNonce: true }, true, /sign-in with Example SSO failed/],
      [{ email: 'hugo@example.test', email_verified: true }, false, /took too long or was started in another browser/],
    ];
    for (const [identity, keepCookie, message] of refusals) {
      delete provider.next.email;
      delete provider.next.email_verified;
      delete provider.next.wrongNonce;
      Object.assign(provider.next, identity);
      const callback = await signInThroughProvider({ keepCookie });
      expect(callback.statusCode).toBe(302);
      const location = new URL(String(callback.headers.location), 'http://x');
      expect(location.pathname).toBe('/login');
      expect(location.searchParams.get('error')).toMatch(message);
      expect(callback.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    }
    delete provider.next.wrongNonce;
    const emails = (await t.runtime.db.query<{ email: string }>('SELECT email FROM users')).map((u) => u.email);
    expect(emails).not.toContain('frank@example.test');
    expect(emails).not.toContain('gina@example.test');
  });

  it('refuses a disabled user', async () => {
    await t.runtime.db.query("UPDATE users SET disabled_at = now() WHERE email = 'erin@example.test'");
    provider.next.email = 'erin@example.test';
    provider.next.email_verified = true;
    const callback = await signInThroughProvider();
    expect(String(callback.headers.location)).toMatch(/^\/login\?error=.*disabled/);
  });

  it('is off (404, config says so) without AU_OIDC_ISSUER', async () => {
    const plain = await createTestServer({ webRoot: false });
    try {
      expect((await plain.app.inject({ method: 'GET', url: '/api/auth/config' })).json()).toEqual({ oidc: { enabled: false, label: 'single sign-on' } });
      expect((await plain.app.inject({ method: 'GET', url: '/api/auth/oidc/login' })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
