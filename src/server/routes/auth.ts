import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../db/queries/audit.js';
import { deleteSession, deleteUserSessions } from '../../db/queries/sessions.js';
import { getUser, getUserByEmail, setPassword } from '../../db/queries/users.js';
import { AuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { tokenHash } from '../auth/api-tokens.js';
import { OIDC_COOKIE, OIDC_COOKIE_PATH, OIDC_COOKIE_SECONDS, type OidcClient, type OidcPending } from '../auth/oidc.js';
import { PASSWORD_MAX_LENGTH, checkPasswordPolicy, hashPassword, verifyPassword } from '../auth/passwords.js';
import { SESSION_COOKIE, type SessionManager } from '../auth/sessions.js';
import { UserJson, userJson } from '../auth/user-json.js';
import type { ServerSettings } from '../settings.js';

export interface AuthRoutesOptions {
  runtime: Runtime;
  sessions: SessionManager;
  settings: ServerSettings;
  /** OpenID Connect sign-in, when configured. */
  oidc: OidcClient | null;
}

const LOGIN_WINDOW_MS = 15 * 60_000;

const LoginBody = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});

export const loginResponseSchema = z.object({ user: UserJson, csrfToken: z.string() });
export const sessionResponseSchema = z.object({ user: UserJson, csrfToken: z.string().nullable(), via: z.enum(['session', 'token']) });
export const authConfigSchema = z.object({ oidc: z.object({ enabled: z.boolean(), label: z.string() }) });

/** Sign-in, sign-out, the current session, password change, and what the sign-in page offers. */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (base, { runtime, sessions, settings, oidc }) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const db = runtime.db;

  app.post('/auth/login', {
    config: {
      access: 'public',
      rateLimit: {
        max: settings.loginRateLimit,
        timeWindow: LOGIN_WINDOW_MS,
        // After validation, to read the email; keyed by a hash so the limiter's memory holds no addresses.
        hook: 'preHandler',
        keyGenerator: (request) => tokenHash(`${request.ip}\n${String((request.body as { email?: unknown } | undefined)?.email ?? '').trim().toLowerCase()}`),
        errorResponseBuilder: (_request, context) =>
          new AuError('AU_RATE_LIMITED', `too many sign-in attempts; try again in ${Math.max(1, Math.ceil(context.ttl / 60_000))} minutes`, { retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
      },
    },
    schema: {
      tags: ['auth'],
      summary: 'Sign in with email and password',
      description: `Sets the session cookie \`${SESSION_COOKIE}\` and answers the CSRF token to send as \`x-csrf-token\` on every request that is not GET. ${settings.loginRateLimit} attempts per 15 minutes per address and email.`,
      body: LoginBody,
      response: { 200: loginResponseSchema },
    },
  }, async (request, reply) => {
    const { email, password } = request.body;
    const user = await getUserByEmail(db, email);
    // Always verified (a dummy hash for unknown users), so the answer's timing does not reveal which emails exist.
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!user || !ok || user.disabledAt) {
      // The typed email is recorded only when it is a user's: anything else may be a mistyped password or PII.
      await recordAudit(db, {
        actor: user ? user.email : 'anonymous',
        action: 'user.login_failed',
        targetType: user ? 'user' : null,
        targetId: user?.id ?? null,
        details: user ? { reason: user.disabledAt ? 'disabled' : 'password' } : { reason: 'unknown_email' },
      });
      throw new AuError('AU_LOGIN_FAILED', 'the email or the password is wrong');
    }
    await sessions.purgeSometimes();
    const previous = request.cookies[SESSION_COOKIE];
    const session = await db.transaction(async (tx) => {
      if (previous) await deleteSession(tx, tokenHash(previous));
      const created = await sessions.create(tx, user.id);
      await recordAudit(tx, { actor: user.email, action: 'user.login', targetType: 'user', targetId: user.id, details: { method: 'password' } });
      return created;
    });
    sessions.setCookie(reply, session.token);
    const { passwordHash: _hash, ...plain } = user;
    return { user: userJson(plain), csrfToken: session.csrfToken };
  });

  app.post('/auth/logout', {
    config: { access: 'viewer' },
    schema: { tags: ['auth'], summary: 'Sign out: ends the session and clears its cookie (with an API token: nothing to end)', response: { 204: z.null() } },
  }, async (request, reply) => {
    const auth = request.auth!;
    if (auth.session) {
      await db.transaction(async (tx) => {
        await deleteSession(tx, auth.session!.idHash);
        await recordAudit(tx, { actor: auth.actor, action: 'user.logout', targetType: 'user', targetId: auth.user.id });
      });
    }
    await sessions.end(request, reply);
    return reply.code(204).send(null);
  });

  app.get('/auth/session', {
    config: { access: 'viewer' },
    schema: {
      tags: ['auth'],
      summary: 'Who is signed in, and the CSRF token of the session (null with an API token, which needs none)',
      response: { 200: sessionResponseSchema },
    },
  }, async (request) => {
    const auth = request.auth!;
    const user = await getUser(db, auth.user.id);
    if (!user) throw new AuError('AU_UNAUTHENTICATED', 'sign in first: this needs a session or an API token');
    return { user: userJson(user), csrfToken: auth.session?.csrfToken ?? null, via: auth.via };
  });

  app.post('/auth/password', {
    config: { access: 'viewer' },
    schema: {
      tags: ['auth'],
      summary: 'Change your own password (the first sign-in with a one-time password must do this first)',
      description: 'At least 12 characters, not your email, not the current password. Ends your other sessions.',
      body: z.object({ currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH), newPassword: z.string().min(1).max(10_000) }),
      response: { 200: z.object({ user: UserJson }) },
    },
  }, async (request) => {
    const auth = request.auth!;
    const { currentPassword, newPassword } = request.body;
    const current = await getUserByEmail(db, auth.user.email);
    if (!current || !(await verifyPassword(current.passwordHash, currentPassword))) {
      throw new AuError('AU_LOGIN_FAILED', 'the current password is wrong');
    }
    checkPasswordPolicy(newPassword, { email: current.email, previous: currentPassword });
    const passwordHash = await hashPassword(newPassword);
    const user = await db.transaction(async (tx) => {
      await setPassword(tx, current.id, passwordHash, { mustChange: false });
      // A stolen session must not outlive the password change; the one making it goes on.
      await deleteUserSessions(tx, current.id, { except: auth.session?.idHash });
      await recordAudit(tx, { actor: auth.actor, action: 'user.password_changed', targetType: 'user', targetId: current.id });
      return (await getUser(tx, current.id))!;
    });
    return { user: userJson(user) };
  });

  app.get('/auth/config', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'What the sign-in page offers (OpenID Connect or not)',
      response: { 200: authConfigSchema },
    },
  }, async () => ({ oidc: { enabled: settings.oidc !== null, label: settings.oidc?.label ?? 'single sign-on' } }));

  const oidcCookie = { httpOnly: true, sameSite: 'lax' as const, path: OIDC_COOKIE_PATH, secure: settings.secureCookies };
  /** The browser came here by navigation: failures go back to the sign-in page, which shows the message. */
  const backToLogin = (message: string) => `/login?error=${encodeURIComponent(message)}`;

  app.get('/auth/oidc/login', {
    config: { access: 'public' },
    schema: { tags: ['auth'], summary: 'Sign in with OpenID Connect: redirects to the provider (404 when not configured)' },
  }, async (request, reply) => {
    if (!oidc) throw new AuError('AU_NOT_FOUND', 'OpenID Connect sign-in is not configured on this server');
    try {
      const { url, pending } = await oidc.start();
      reply.setCookie(OIDC_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), { ...oidcCookie, maxAge: OIDC_COOKIE_SECONDS });
      return reply.redirect(url, 302);
    } catch (error) {
      request.log.warn({ code: (error as AuError).code }, (error as Error).message);
      return reply.redirect(backToLogin(error instanceof AuError ? error.message : 'the sign-in could not start'), 302);
    }
  });

  app.get('/auth/oidc/callback', {
    config: { access: 'public' },
    schema: { tags: ['auth'], summary: 'Where the OpenID Connect provider sends the browser back: signs in and redirects to /' },
  }, async (request, reply) => {
    if (!oidc) throw new AuError('AU_NOT_FOUND', 'OpenID Connect sign-in is not configured on this server');
    reply.clearCookie(OIDC_COOKIE, oidcCookie);
    try {
      const pending = readPending(request.cookies[OIDC_COOKIE]);
      const user = await oidc.finish(request.url.split('?')[1] ?? '', pending);
      await sessions.purgeSometimes();
      const previous = request.cookies[SESSION_COOKIE];
      const session = await db.transaction(async (tx) => {
        if (previous) await deleteSession(tx, tokenHash(previous));
        const created = await sessions.create(tx, user.id);
        await recordAudit(tx, { actor: user.email, action: 'user.login', targetType: 'user', targetId: user.id, details: { method: 'oidc' } });
        return created;
      });
      sessions.setCookie(reply, session.token);
      return reply.redirect('/', 302);
    } catch (error) {
      if (!(error instanceof AuError)) throw error;
      request.log.warn({ code: error.code }, error.message);
      await recordAudit(db, { actor: 'anonymous', action: 'user.login_failed', details: { reason: 'oidc' } });
      return reply.redirect(backToLogin(error.message), 302);
    }
  });
};

function readPending(cookie: string | undefined): OidcPending {
  try {
    const pending = JSON.parse(Buffer.from(cookie ?? '', 'base64url').toString('utf8')) as Partial<OidcPending>;
    if (typeof pending.state === 'string' && typeof pending.nonce === 'string' && typeof pending.verifier === 'string') return pending as OidcPending;
  } catch {
    // unreadable: as if missing
  }
  throw new AuError('AU_OIDC', 'the sign-in took too long or was started in another browser; try again');
}
