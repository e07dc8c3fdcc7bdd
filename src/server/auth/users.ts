import type { Database, Queryable } from '../../db/database.js';
import { recordAudit } from '../../db/queries/audit.js';
import { deleteUserSessions } from '../../db/queries/sessions.js';
import { createUser, getUser, getUserByEmail, setDisabled, setPassword, setRole, type Role, type User } from '../../db/queries/users.js';
import { AuError } from '../../errors.js';
import { hashPassword, newOneTimePassword } from './passwords.js';

/**
 * User administration shared by the API (/api/users) and the CLI (`users ...`): every change writes its audit entry
 * in the same transaction. `actor` is the admin's email, 'cli' or 'system'.
 */

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Emails are checked loosely (something@host): `admin@localhost` must pass, and the mail server is the judge. */
export function checkEmail(email: string): string {
  const trimmed = email.trim();
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) throw new AuError('AU_OPTION_INVALID', 'the email must look like name@host', { field: 'email' });
  return trimmed;
}

/** Creates a user with a random one-time password they must change at first sign-in; the password is returned once. */
export async function createUserWithOneTimePassword(
  q: Queryable,
  input: { email: string; role: Role; actor: string },
): Promise<{ user: User; oneTimePassword: string }> {
  const oneTimePassword = newOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  const user = await createUser(q, { email: checkEmail(input.email), passwordHash, role: input.role, mustChangePassword: true });
  await recordAudit(q, { actor: input.actor, action: 'user.created', targetType: 'user', targetId: user.id, details: { email: user.email, role: user.role } });
  return { user, oneTimePassword };
}

/** Gives the user a new one-time password and ends their sessions. */
export async function resetPasswordWithOneTimePassword(db: Database, id: number, actor: string): Promise<{ user: User; oneTimePassword: string }> {
  const oneTimePassword = newOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  const user = await db.transaction(async (tx) => {
    if (!(await setPassword(tx, id, passwordHash, { mustChange: true }))) throw notFound(id);
    await deleteUserSessions(tx, id);
    await recordAudit(tx, { actor, action: 'user.password_reset', targetType: 'user', targetId: id });
    return (await getUser(tx, id))!;
  });
  return { user, oneTimePassword };
}

/** Serializes changes that could leave no enabled admin (two admins demoting each other at once). */
const ADMINS_LOCK = 'au-users-admins';

/**
 * Changes a user's role and/or disables or enables them. Refused (AU_OPTION_INVALID) when it would leave no enabled
 * admin: someone must be able to manage users. Disabling ends the user's sessions and revokes their API tokens.
 */
export async function updateUser(db: Database, id: number, change: { role?: Role; disabled?: boolean }, actor: string): Promise<User> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [ADMINS_LOCK]);
    const user = await getUser(tx, id);
    if (!user) throw notFound(id);
    const losesAdmin = user.role === 'admin' && !user.disabledAt && ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
    if (losesAdmin) {
      const [row] = await tx.query<{ count: number }>("SELECT count(*) AS count FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1", [id]);
      if (row!.count === 0) {
        throw new AuError('AU_OPTION_INVALID', `${user.email} is the last enabled admin: make another user admin before disabling or demoting this one`, { field: change.disabled ? 'disabled' : 'role' });
      }
    }
    if (change.role !== undefined && change.role !== user.role) {
      await setRole(tx, id, change.role);
      await recordAudit(tx, { actor, action: 'user.role_changed', targetType: 'user', targetId: id, details: { from: user.role, to: change.role } });
    }
    if (change.disabled !== undefined && change.disabled !== (user.disabledAt !== null)) {
      await setDisabled(tx, id, change.disabled);
      if (change.disabled) await deleteUserSessions(tx, id);
      await recordAudit(tx, { actor, action: change.disabled ? 'user.disabled' : 'user.enabled', targetType: 'user', targetId: id });
    }
    return (await getUser(tx, id))!;
  });
}

/** The user of this email (case-insensitive), for the CLI; AU_USER_NOT_FOUND otherwise. */
export async function userByEmail(q: Queryable, email: string): Promise<User> {
  const found = await getUserByEmail(q, email);
  if (!found) throw new AuError('AU_USER_NOT_FOUND', 'there is no user with this email');
  const { passwordHash: _passwordHash, ...user } = found;
  return user;
}

function notFound(id: number): AuError {
  return new AuError('AU_USER_NOT_FOUND', `there is no user with id ${id}`, { id });
}
