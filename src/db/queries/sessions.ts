import type { Queryable } from '../database.js';
import type { Role } from './users.js';

/** A live session and its user. The cookie's token is never stored: sessions are found by its SHA-256. */
export interface SessionWithUser {
  idHash: string;
  csrfToken: string;
  lastSeenAt: Date;
  expiresAt: Date;
  user: { id: number; email: string; role: Role; mustChangePassword: boolean };
}

export interface NewSession {
  idHash: string;
  userId: number;
  csrfToken: string;
  /** Idle lifetime: the session ends this long after its last use. */
  idleMinutes: number;
  /** Absolute lifetime, whatever the use. */
  maxHours: number;
}

export async function createSession(q: Queryable, session: NewSession): Promise<{ expiresAt: Date; absoluteExpiresAt: Date }> {
  const [row] = await q.query<{ expiresAt: Date; absoluteExpiresAt: Date }>(
    `INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at, absolute_expires_at)
     VALUES ($1, $2, $3, least(now() + make_interval(mins => $4), now() + make_interval(hours => $5)), now() + make_interval(hours => $5))
     RETURNING expires_at AS "expiresAt", absolute_expires_at AS "absoluteExpiresAt"`,
    [session.idHash, session.userId, session.csrfToken, session.idleMinutes, session.maxHours],
  );
  return row!;
}

/** The session when it exists, has not expired (idle or absolute) and its user is not disabled. */
export async function findSession(q: Queryable, idHash: string): Promise<SessionWithUser | undefined> {
  const [row] = await q.query<Omit<SessionWithUser, 'user'> & { userId: number; email: string; role: Role; mustChangePassword: boolean }>(
    `SELECT s.id_hash AS "idHash", s.csrf_token AS "csrfToken", s.last_seen_at AS "lastSeenAt", s.expires_at AS "expiresAt",
       u.id AS "userId", u.email, u.role, u.must_change_password AS "mustChangePassword"
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id_hash = $1 AND s.expires_at > now() AND s.absolute_expires_at > now() AND u.disabled_at IS NULL`,
    [idHash],
  );
  if (!row) return undefined;
  const { userId, email, role, mustChangePassword, ...session } = row;
  return { ...session, user: { id: userId, email, role, mustChangePassword } };
}

/** Pushes the idle expiry forward (never past the absolute one). */
export async function touchSession(q: Queryable, idHash: string, idleMinutes: number): Promise<void> {
  await q.query(
    `UPDATE sessions SET last_seen_at = now(), expires_at = least(now() + make_interval(mins => $2), absolute_expires_at)
     WHERE id_hash = $1`,
    [idHash, idleMinutes],
  );
}

export async function deleteSession(q: Queryable, idHash: string): Promise<boolean> {
  const rows = await q.query('DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id', [idHash]);
  return rows.length > 0;
}

/** Ends every session of a user (disabled, password reset), or every other one (own password change). */
export async function deleteUserSessions(q: Queryable, userId: number, options: { except?: string } = {}): Promise<number> {
  const rows = await q.query('DELETE FROM sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2 RETURNING id_hash', [userId, options.except ?? null]);
  return rows.length;
}

export async function purgeExpiredSessions(q: Queryable): Promise<number> {
  const rows = await q.query('DELETE FROM sessions WHERE expires_at <= now() OR absolute_expires_at <= now() RETURNING id_hash');
  return rows.length;
}
