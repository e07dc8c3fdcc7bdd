import type { Queryable } from '../database.js';
import type { Role } from './users.js';

export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, user_id AS "userId", name, created_at AS "createdAt", expires_at AS "expiresAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** Stores a token by its hash (SHA-256 of the token, computed by the caller; the token itself is never stored). */
export async function createApiToken(q: Queryable, token: { userId: number; tokenHash: string; name: string; expiresAt?: Date | null }): Promise<ApiToken> {
  const [row] = await q.query<ApiToken>(
    `INSERT INTO api_tokens (user_id, token_hash, name, expires_at) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [token.userId, token.tokenHash, token.name, token.expiresAt ?? null],
  );
  return row!;
}

/**
 * Authenticates a token: the token and its user when the token is neither revoked nor expired and the user is
 * not disabled; records the use.
 */
export async function useApiToken(q: Queryable, tokenHash: string): Promise<{ token: ApiToken; userId: number; role: Role } | undefined> {
  const [row] = await q.query<ApiToken & { role: Role }>(
    `UPDATE api_tokens t SET last_used_at = now()
     FROM users u
     WHERE t.token_hash = $1 AND u.id = t.user_id
       AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.disabled_at IS NULL
     RETURNING t.id, t.user_id AS "userId", t.name, t.created_at AS "createdAt", t.expires_at AS "expiresAt",
       t.last_used_at AS "lastUsedAt", t.revoked_at AS "revokedAt", u.role`,
    [tokenHash],
  );
  if (!row) return undefined;
  const { role, ...token } = row;
  return { token, userId: token.userId, role };
}

export async function listApiTokens(q: Queryable, userId: number): Promise<ApiToken[]> {
  return q.query<ApiToken>(`SELECT ${COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
}

/** Revokes one of the user's tokens; false when it is not theirs or already revoked. */
export async function revokeApiToken(q: Queryable, userId: number, id: number): Promise<boolean> {
  const rows = await q.query(
    'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id',
    [id, userId],
  );
  return rows.length > 0;
}
