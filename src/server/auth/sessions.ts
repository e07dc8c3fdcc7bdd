import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../../db/database.js';
import { createSession, deleteSession, findSession, purgeExpiredSessions, touchSession } from '../../db/queries/sessions.js';
import type { ServerSettings } from '../settings.js';
import { tokenHash } from './api-tokens.js';
import type { Authentication, SessionResolver } from './guard.js';

export const SESSION_COOKIE = 'au_session';

export const SESSION_EXPIRED_MESSAGE = 'your session has expired; sign in again';

/** The idle expiry is pushed forward at most this often per session: a write per request would be wasted. */
const TOUCH_EVERY_MS = 60_000;
/** Expired rows are deleted at sign-in, at most this often per process. */
const PURGE_EVERY_MS = 10 * 60_000;

export interface SessionManager extends SessionResolver {
  /**
   * Creates a session for the user (in `q`, e.g. the sign-in's transaction); `setCookie` once that is committed.
   * The token is the cookie's value: it goes to the browser and nowhere else (no log, no database).
   */
  create(q: Queryable, userId: number): Promise<{ token: string; idHash: string; csrfToken: string }>;
  setCookie(reply: FastifyReply, token: string): void;
  /** Ends the request's session, if any, and clears the cookie. */
  end(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Deletes expired sessions now and then (called at sign-in). */
  purgeSometimes(): Promise<void>;
}

/**
 * Browser sessions: a random 32-byte token in an httpOnly, SameSite=Lax cookie; the database keeps its SHA-256, the
 * user, the CSRF token, and the idle and absolute expiries, so any `serve` process accepts the cookie.
 */
export function createSessionManager(db: Database, settings: ServerSettings): SessionManager {
  let lastPurge = 0;
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, path: '/', secure: settings.secureCookies };
  return {
    async resolve(request: FastifyRequest): Promise<Authentication> {
      const cookie = request.cookies?.[SESSION_COOKIE];
      if (!cookie) return null;
      const idHash = tokenHash(cookie);
      const session = await findSession(db, idHash);
      if (!session) return { failed: SESSION_EXPIRED_MESSAGE };
      if (Date.now() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await touchSession(db, idHash, settings.sessionIdleMinutes);
      return { user: session.user, via: 'session', actor: session.user.email, session: { idHash, csrfToken: session.csrfToken } };
    },

    async create(q, userId) {
      const token = randomBytes(32).toString('base64url');
      const idHash = tokenHash(token);
      const csrfToken = randomBytes(32).toString('base64url');
      await createSession(q, { idHash, userId, csrfToken, idleMinutes: settings.sessionIdleMinutes, maxHours: settings.sessionMaxHours });
      return { token, idHash, csrfToken };
    },

    setCookie(reply, token) {
      // Lives as long as the absolute expiry allows; the server decides earlier ends (idle, sign-out, disabled user).
      reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: settings.sessionMaxHours * 3600 });
    },

    async end(request, reply) {
      const cookie = request.cookies?.[SESSION_COOKIE];
      if (cookie) await deleteSession(db, tokenHash(cookie));
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
    },

    async purgeSometimes() {
      if (Date.now() - lastPurge < PURGE_EVERY_MS) return;
      lastPurge = Date.now();
      await purgeExpiredSessions(db);
    },
  };
}
