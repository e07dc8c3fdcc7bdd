import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../db/queries/audit.js';
import { createUser, getUserByEmail } from '../db/queries/users.js';
import { openRuntime, type Runtime } from '../jobs/runtime.js';
import { buildServer } from './app.js';
import { ensureFirstAdmin } from './auth/first-run.js';
import { hashPassword } from './auth/passwords.js';
import { SESSION_COOKIE } from './auth/sessions.js';
import { createTestServer, type TestServer } from './testing.js';

const PASSWORD = 'a long enough passphrase';

let t: TestServer;

beforeAll(async () => {
  t = await createTestServer({ webRoot: false });
  const passwordHash = await hashPassword(PASSWORD);
  await createUser(t.runtime.db, { email: 'ana@example.test', passwordHash, role: 'operator' });
  await createUser(t.runtime.db, { email: 'gone@example.test', passwordHash, role: 'operator' });
  await t.runtime.db.query("UPDATE users SET disabled_at = now() WHERE email = 'gone@example.test'");
});

afterAll(async () => {
  await t?.close();
});

const login = (email: string, password: string) => t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });

describe('sign-in', () => {
  it('sets an httpOnly, SameSite=Lax session cookie and answers the user and the CSRF token', async () => {
    const response = await login('Ana@Example.test', PASSWORD);
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cookie).toBeDefined();
    expect(cookie.httpOnly).toBe(true);
    expect(String(cookie.sameSite).toLowerCase()).toBe('lax');
    expect(cookie.path).toBe('/');
    expect(cookie.secure).toBeFalsy();
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const body = response.json();
    expect(body.user).toMatchObject({ email: 'ana@example.test', role: 'operator', mustChangePassword: false, disabledAt: null });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // the database keeps only the token's hash
    const rows = await t.runtime.db.query<{ id_hash: string }>('SELECT id_hash FROM sessions');
    expect(rows.some((r) => r.id_hash === cookie.value)).toBe(false);
    const [entry] = await listAudit(t.runtime.db, { limit: 1, actor: 'ana@example.test' });
    expect(entry).toMatchObject({ action: 'user.login', targetType: 'user' });
  });

  it('answers the same 401 for a wrong password, an unknown email and a disabled user', async () => {
    const wrong = await login('ana@example.test', 'not the password at all');
    const unknown = await login('nobody-here@example.test', PASSWORD);
    const disabled = await login('gone@example.test', PASSWORD);
    for (const response of [wrong, unknown, disabled]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'AU_LOGIN_FAILED', message: 'the email or the password is wrong' });
      expect(response.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
    }
  });

  it('records failed sign-ins, with the typed email only when it is a user', async () => {
    await login('typed-not-a-user@example.test', 'whatever whatever');
    const entries = await listAudit(t.runtime.db, { limit: 50 });
    const failed = entries.filter((e) => e.action === 'user.login_failed');
    expect(failed.map((e) => e.actor)).toContain('anonymous');
    expect(failed.map((e) => e.actor)).toContain('ana@example.test');
    expect(JSON.stringify(entries)).not.toContain('typed-not-a-user');
    expect(JSON.stringify(entries)).not.toContain('whatever');
  });

  it('refuses a body that is not an email and a password, before anything else', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'ana@example.test' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('AU_VALIDATION');
  });
});

describe('sessions', () => {
  it('authenticates GET without the CSRF token; changes need it; API tokens need none', async () => {
    const { headers: session } = await t.login('ana@example.test', PASSWORD);
    const who = await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: session.cookie } });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ user: { email: 'ana@example.test' }, via: 'session', csrfToken: session['x-csrf-token'] });

    const create = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/api/tokens', headers, payload: { name: 'script' } });
    const missing = await create({ cookie: session.cookie });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('AU_CSRF');
    const wrong = await create({ cookie: session.cookie, 'x-csrf-token': `${session['x-csrf-token'].slice(0, -1)}x` });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().code).toBe('AU_CSRF');
    const other = await t.session('operator');
    const someoneElses = await create({ cookie: session.cookie, 'x-csrf-token': other['x-csrf-token'] });
    expect(someoneElses.json().code).toBe('AU_CSRF');
    const ok = await create(session);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().token).toMatch(/^au_/);

    const byToken = await create({ authorization: `Bearer ${ok.json().token}` });
    expect(byToken.statusCode).toBe(201);
    const viaToken = await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { authorization: `Bearer ${ok.json().token}` } });
    expect(viaToken.json()).toMatchObject({ via: 'token', csrfToken: null });
  });

  it('signs out: the session ends and the cookie is cleared', async () => {
    const { headers: session } = await t.login('ana@example.test', PASSWORD);
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: session });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cleared.value).toBe('');
    const after = await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: session.cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ code: 'AU_UNAUTHENTICATED', message: 'your session has expired; sign in again' });
    const [entry] = await listAudit(t.runtime.db, { limit: 1, actor: 'ana@example.test' });
    expect(entry!.action).toBe('user.logout');
  });

  it('answers 401 "your session has expired" for an expired session, idle or absolute', async () => {
    for (const column of ['expires_at', 'absolute_expires_at']) {
      const { headers: session } = await t.login('ana@example.test', PASSWORD);
      await t.runtime.db.query(`UPDATE sessions SET ${column} = now() - interval '1 minute'`);
      const response = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie: session.cookie } });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'AU_UNAUTHENTICATED', message: 'your session has expired; sign in again' });
      // a public route does not care about the stale cookie
      expect((await login('ana@example.test', PASSWORD).then((r) => r.statusCode))).toBe(200);
    }
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/tokens' });
    expect(anonymous.json().message).toBe('sign in first: this needs a session or an API token');
  });

  it('pushes the idle expiry forward on use, at most once a minute, never past the absolute expiry', async () => {
    const { headers: session } = await t.login('ana@example.test', PASSWORD);
    const read = async () => (await t.runtime.db.query<{ expires: Date; seen: Date; absolute: Date }>(
      'SELECT expires_at AS expires, last_seen_at AS seen, absolute_expires_at AS absolute FROM sessions ORDER BY created_at DESC LIMIT 1',
    ))[0]!;
    await t.runtime.db.query("UPDATE sessions SET last_seen_at = now() - interval '2 minutes', expires_at = now() + interval '5 minutes'");
    await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: session.cookie } });
    const touched = await read();
    expect(touched.expires.getTime()).toBeGreaterThan(Date.now() + 700 * 60_000);
    await t.runtime.db.query("UPDATE sessions SET expires_at = now() + interval '5 minutes'");
    await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: session.cookie } });
    expect((await read()).expires.getTime()).toBeLessThan(Date.now() + 6 * 60_000);
    await t.runtime.db.query("UPDATE sessions SET last_seen_at = now() - interval '2 minutes', absolute_expires_at = now() + interval '30 minutes'");
    await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: session.cookie } });
    const capped = await read();
    expect(capped.expires.getTime()).toBe(capped.absolute.getTime());
  });

  it("ends a disabled user's sessions and tokens", async () => {
    const admin = await t.session('admin');
    const bob = await t.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { email: 'bob@example.test', role: 'viewer' } });
    expect(bob.statusCode).toBe(201);
    const { user, oneTimePassword } = bob.json();
    const { headers: session, mustChangePassword } = await t.login('bob@example.test', oneTimePassword);
    expect(mustChangePassword).toBe(true);
    const disable = await t.app.inject({ method: 'PATCH', url: `/api/users/${user.id}`, headers: admin, payload: { disabled: true } });
    expect(disable.statusCode).toBe(200);
    expect(disable.json().user.disabledAt).not.toBeNull();
    const after = await t.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: session.cookie } });
    expect(after.statusCode).toBe(401);
    expect((await login('bob@example.test', oneTimePassword)).statusCode).toBe(401);
    const enable = await t.app.inject({ method: 'PATCH', url: `/api/users/${user.id}`, headers: admin, payload: { disabled: false } });
    expect(enable.json().user.disabledAt).toBeNull();
    expect((await login('bob@example.test', oneTimePassword)).statusCode).toBe(200);
  });
});

describe('users and tokens', () => {
  it('lets admins create, list, change and reset users; keeps one enabled admin', async () => {
    const admin = t.as('admin');
    const created = await t.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { email: 'carla@example.test', role: 'operator' } });
    expect(created.statusCode).toBe(201);
    expect(created.json().oneTimePassword).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    const id = created.json().user.id as number;
    expect((await t.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { email: 'CARLA@example.test', role: 'viewer' } })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { email: 'not an email', role: 'viewer' } })).statusCode).toBe(400);

    const list = await t.app.inject({ method: 'GET', url: '/api/users', headers: admin });
    expect(list.json().users.map((u: { email: string }) => u.email)).toContain('carla@example.test');
    expect(list.body).not.toMatch(/password_?hash/i);

    const promoted = await t.app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: admin, payload: { role: 'admin' } });
    expect(promoted.json().user.role).toBe('admin');
    const reset = await t.app.inject({ method: 'POST', url: `/api/users/${id}/reset-password`, headers: admin });
    expect(reset.statusCode).toBe(200);
    expect(reset.json().user.mustChangePassword).toBe(true);
    expect((await login('carla@example.test', created.json().oneTimePassword)).statusCode).toBe(401);
    expect((await login('carla@example.test', reset.json().oneTimePassword)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'PATCH', url: '/api/users/999999', headers: admin, payload: { role: 'viewer' } })).json().code).toBe('AU_USER_NOT_FOUND');

    const actions = (await listAudit(t.runtime.db, { limit: 100, targetType: 'user', targetId: id })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.created', 'user.role_changed', 'user.password_reset']));

    // Two admins now: demoting carla is fine; then admin@example.test is the last one and cannot leave.
    expect((await t.app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: admin, payload: { role: 'viewer' } })).statusCode).toBe(200);
    const self = (await getUserByEmail(t.runtime.db, 'admin@example.test'))!;
    for (const payload of [{ role: 'operator' }, { disabled: true }]) {
      const refused = await t.app.inject({ method: 'PATCH', url: `/api/users/${self.id}`, headers: admin, payload });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe('AU_OPTION_INVALID');
      expect(refused.json().message).toMatch(/last enabled admin/);
    }
  });

  it('lists, creates and revokes only your own tokens', async () => {
    const viewer = t.as('viewer');
    const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: viewer, payload: { name: 'prometheus', expiresInDays: 30 } });
    expect(created.statusCode).toBe(201);
    const { id, token, expiresAt } = created.json();
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: viewer });
    expect(list.json().tokens.map((x: { name: string }) => x.name)).toEqual(['test', 'prometheus']);
    expect(list.body).not.toContain(token);
    // someone else's token is not yours to revoke
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: t.as('admin') })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: viewer })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/tokens', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    const actions = (await listAudit(t.runtime.db, { limit: 100, targetType: 'token', targetId: id })).map((e) => e.action);
    expect(actions.sort()).toEqual(['token.created', 'token.revoked']);
  });
});

describe('first run and the one-time password', () => {
  let runtime: Runtime;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'au-first-run-'));
    runtime = await openRuntime({ dataDir, env: { AU_ADMIN_EMAIL: 'root@example.test' } });
  });

  afterAll(async () => {
    await runtime?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates one admin once, who must change the one-time password before anything else', async () => {
    const [first, second] = await Promise.all([ensureFirstAdmin(runtime), ensureFirstAdmin(runtime)]);
    const admin = first ?? second;
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(admin!.email).toBe('root@example.test');
    expect(await ensureFirstAdmin(runtime)).toBeNull();
    const users = await runtime.db.query<{ role: string; must_change_password: boolean }>('SELECT role, must_change_password FROM users');
    expect(users).toEqual([{ role: 'admin', must_change_password: true }]);
    const [created] = await listAudit(runtime.db, { limit: 1 });
    expect(created).toMatchObject({ actor: 'system', action: 'user.created' });

    const app = await buildServer(runtime, { webRoot: false });
    try {
      const signIn = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: admin!.email, password: admin!.password } });
      expect(signIn.statusCode).toBe(200);
      expect(signIn.json().user.mustChangePassword).toBe(true);
      const headers = { cookie: `${SESSION_COOKIE}=${signIn.cookies.find((c) => c.name === SESSION_COOKIE)!.value}`, 'x-csrf-token': signIn.json().csrfToken as string };

      const blocked = await app.inject({ method: 'GET', url: '/api/users', headers });
      expect(blocked.statusCode).toBe(403);
      expect(blocked.json().code).toBe('AU_PASSWORD_CHANGE_REQUIRED');
      expect((await app.inject({ method: 'GET', url: '/api/auth/session', headers })).statusCode).toBe(200);

      const change = (currentPassword: string, newPassword: string) => app.inject({ method: 'POST', url: '/api/auth/password', headers, payload: { currentPassword, newPassword } });
      const cases: [string, string, RegExp][] = [
        [admin!.password, 'short', /at least 12 characters/],
        [admin!.password, 'ROOT@example.test', /not be your email/],
        [admin!.password, admin!.password, /differ from the current/],
        [admin!.password, 'password1234', /too common/],
      ];
      for (const [current, next, message] of cases) {
        const weak = await change(current, next);
        expect(weak.statusCode).toBe(400);
        expect(weak.json().code).toBe('AU_PASSWORD_WEAK');
        expect(weak.json().message).toMatch(message);
      }
      const wrongCurrent = await change('not the one-time password', 'a good new passphrase');
      expect(wrongCurrent.statusCode).toBe(401);
      expect(wrongCurrent.json().code).toBe('AU_LOGIN_FAILED');

      const changed = await change(admin!.password, 'a good new passphrase');
      expect(changed.statusCode).toBe(200);
      expect(changed.json().user.mustChangePassword).toBe(false);
      expect((await app.inject({ method: 'GET', url: '/api/users', headers })).statusCode).toBe(200);

      const old = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: admin!.email, password: admin!.password } });
      expect(old.statusCode).toBe(401);
      const fresh = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: admin!.email, password: 'a good new passphrase' } });
      expect(fresh.statusCode).toBe(200);
      expect(fresh.json().user.mustChangePassword).toBe(false);
      const actions = (await listAudit(runtime.db, { limit: 20 })).map((e) => e.action);
      expect(actions).toContain('user.password_changed');
    } finally {
      await app.close();
    }
  });
});

describe('sign-in rate limit', () => {
  it('answers 429 AU_RATE_LIMITED to the 11th attempt within 15 minutes, per address and email', async () => {
    const server = await createTestServer({ webRoot: false });
    try {
      const attempt = (email: string) => server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'wrong wrong wrong' } });
      for (let i = 1; i <= 10; i++) expect((await attempt('viewer@example.test')).statusCode).toBe(401);
      const limited = await attempt('VIEWER@example.test');
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ code: 'AU_RATE_LIMITED', message: 'too many sign-in attempts; try again in 15 minutes' });
      expect(limited.headers['retry-after']).toBeDefined();
      // another email from the same address is counted apart
      expect((await attempt('operator@example.test')).statusCode).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('counts the attempts of every server process on the same database together', async () => {
    const server = await createTestServer({ webRoot: false });
    // A second server on the same database, as a second process behind a load balancer would be.
    const other = await buildServer(server.runtime, { webRoot: false });
    try {
      const attempt = (app: typeof other) => app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'viewer@example.test', password: 'wrong wrong wrong' } });
      for (let i = 1; i <= 10; i++) expect((await attempt(i % 2 ? server.app : other)).statusCode).toBe(401);
      expect((await attempt(server.app)).statusCode).toBe(429);
      expect((await attempt(other)).statusCode).toBe(429);
      // Only hashes are stored: no address or email.
      const keys = await server.runtime.db.query<{ key: string }>('SELECT key FROM request_limits');
      expect(keys.length).toBeGreaterThan(0);
      for (const { key } of keys) expect(key).not.toMatch(/viewer|example|127\.0\.0\.1/);
    } finally {
      await other.close();
      await server.close();
    }
  });
});
