import type { Runtime } from '../../jobs/runtime.js';
import { serverSettings } from '../settings.js';
import { createUserWithOneTimePassword } from './users.js';

export { createUserWithOneTimePassword } from './users.js';

/** Several `serve` processes may start at once on a new database: one of them creates the admin. */
const FIRST_RUN_LOCK = 'au-first-admin';

/**
 * On a database without any user, creates the admin (AU_ADMIN_EMAIL, default admin@localhost) with a random
 * one-time password to change at first sign-in, and returns it (shown once: `serve` prints it). Null when there
 * is already a user. Concurrent calls create at most one: the check and the insert run under one advisory lock.
 */
export async function ensureFirstAdmin(runtime: Pick<Runtime, 'db' | 'env'>): Promise<{ email: string; password: string } | null> {
  const { adminEmail } = serverSettings(runtime.env);
  return runtime.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [FIRST_RUN_LOCK]);
    const [row] = await tx.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS any');
    if (row!.any) return null;
    const { user, oneTimePassword } = await createUserWithOneTimePassword(tx, { email: adminEmail, role: 'admin', actor: 'system' });
    return { email: user.email, password: oneTimePassword };
  });
}

/** What `serve` prints on first run: the one-time password, once, and what to do with it. */
export function firstAdminMessage(admin: { email: string; password: string }, url?: string): string {
  return [
    '',
    'First run: created the admin account.',
    `  email:              ${admin.email}`,
    `  one-time password:  ${admin.password}`,
    `Sign in${url ? ` at ${url}` : ''} and choose a new password. This password is shown only now;`,
    'if it is lost, run `audience-uploader users reset-password <email>`.',
    '',
  ].join('\n');
}
