import { AuError } from '../../errors.js';
import type { Queryable } from '../database.js';
import { isUniqueViolation } from '../sql-errors.js';

export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: number;
  email: string;
  role: Role;
  mustChangePassword: boolean;
  createdAt: Date;
  updatedAt: Date;
  disabledAt: Date | null;
}

/** Only for login: the one read that returns the password hash. */
export interface UserWithPassword extends User {
  passwordHash: string | null;
}

const COLUMNS = `id, email, role, must_change_password AS "mustChangePassword", created_at AS "createdAt",
  updated_at AS "updatedAt", disabled_at AS "disabledAt"`;

export interface NewUser {
  email: string;
  /** argon2id hash; null for accounts that log in only through OpenID Connect. */
  passwordHash: string | null;
  role: Role;
  mustChangePassword?: boolean;
}

export async function createUser(q: Queryable, user: NewUser): Promise<User> {
  try {
    const [row] = await q.query<User>(
      `INSERT INTO users (email, password_hash, role, must_change_password) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [user.email.trim(), user.passwordHash, user.role, user.mustChangePassword ?? false],
    );
    return row!;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AuError('AU_ALREADY_EXISTS', 'A user with this email already exists', {}, { cause: error });
    throw error;
  }
}

export async function getUser(q: Queryable, id: number): Promise<User | undefined> {
  const [row] = await q.query<User>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return row;
}

/** Case-insensitive. Includes the password hash (for login); disabled users are returned too, check `disabledAt`. */
export async function getUserByEmail(q: Queryable, email: string): Promise<UserWithPassword | undefined> {
  const [row] = await q.query<UserWithPassword>(
    `SELECT ${COLUMNS}, password_hash AS "passwordHash" FROM users WHERE lower(email) = lower($1)`,
    [email.trim()],
  );
  return row;
}

export async function listUsers(q: Queryable): Promise<User[]> {
  return q.query<User>(`SELECT ${COLUMNS} FROM users ORDER BY lower(email)`);
}

/** The first run creates an admin when there is no user at all. */
export async function countUsers(q: Queryable): Promise<number> {
  const [row] = await q.query<{ count: number }>('SELECT count(*) AS count FROM users');
  return row!.count;
}

/** Sets a new password hash; `mustChange` true for a one-time password an admin set (default false). */
export async function setPassword(q: Queryable, id: number, passwordHash: string, options: { mustChange?: boolean } = {}): Promise<boolean> {
  const rows = await q.query(
    'UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() WHERE id = $1 RETURNING id',
    [id, passwordHash, options.mustChange ?? false],
  );
  return rows.length > 0;
}

export async function setRole(q: Queryable, id: number, role: Role): Promise<boolean> {
  const rows = await q.query('UPDATE users SET role = $2, updated_at = now() WHERE id = $1 RETURNING id', [id, role]);
  return rows.length > 0;
}

/** Disables (keeping the first time) or enables a user. Disabling also revokes the user's API tokens. */
export async function setDisabled(q: Queryable, id: number, disabled: boolean): Promise<boolean> {
  const rows = await q.query(
    `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END, updated_at = now()
     WHERE id = $1 RETURNING id`,
    [id, disabled],
  );
  if (disabled && rows.length > 0) {
    await q.query('UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [id]);
  }
  return rows.length > 0;
}
