import { createHash, randomBytes } from 'node:crypto';

/** API tokens look like `au_<43 base64url chars>`; the prefix lets secret scanners and people recognise them. */
export const API_TOKEN_PREFIX = 'au_';

export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** What the database keeps of a token (or a session cookie): its SHA-256, hex. The token itself is shown once. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
