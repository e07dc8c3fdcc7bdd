import { randomBytes, randomInt } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { AuError } from '../../errors.js';

/**
 * argon2id with the library's defaults (19 MiB, 2 passes: OWASP's minimum recommendation). The algorithm is spelled
 * as its number because the package exports it as a const enum, which isolated modules cannot read.
 */
const ARGON2: Options = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 12;
/** Longer input is refused before hashing: argon2 of megabytes would be a cheap way to burn the server's CPU. */
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. With no hash (unknown user, or an account that signs in only through
 * OpenID Connect) it still verifies against a dummy hash of the same cost and answers false, so the time taken does
 * not tell whether the email exists.
 */
export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash || password.length > PASSWORD_MAX_LENGTH) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verify(await dummyHash, password.slice(0, PASSWORD_MAX_LENGTH)).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    // a malformed stored hash is a failed sign-in, not a crash
    return false;
  }
}

/** Well-known passwords that pass the length rule; the list is short on purpose, the length does most of the work. */
const COMMON = new Set([
  'password1234', 'password12345', 'password123456', '123456789012', '1234567890123', '12345678901234',
  'qwertyuiopas', 'qwerty123456', '1q2w3e4r5t6y', 'iloveyou1234', 'letmein12345', 'administrator', 'changeme1234',
  'welcome12345', 'passwordpassword', 'audienceuploader', 'audience-uploader',
]);

/**
 * The password policy: at least 12 characters, at most 256, not the account's email, not the password being
 * replaced (the one-time password), not a well-known one. Throws AU_PASSWORD_WEAK naming the rule broken.
 */
export function checkPasswordPolicy(password: string, context: { email: string; previous?: string }): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new AuError('AU_PASSWORD_WEAK', `the new password must have at least ${PASSWORD_MIN_LENGTH} characters`, { rule: 'min_length', minLength: PASSWORD_MIN_LENGTH });
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new AuError('AU_PASSWORD_WEAK', `the new password must have at most ${PASSWORD_MAX_LENGTH} characters`, { rule: 'max_length', maxLength: PASSWORD_MAX_LENGTH });
  }
  const lower = password.trim().toLowerCase();
  if (lower === context.email.trim().toLowerCase()) {
    throw new AuError('AU_PASSWORD_WEAK', 'the new password must not be your email', { rule: 'not_email' });
  }
  if (context.previous !== undefined && password === context.previous) {
    throw new AuError('AU_PASSWORD_WEAK', 'the new password must differ from the current (one-time) password', { rule: 'not_previous' });
  }
  if (COMMON.has(lower) || new Set(password).size < 4) {
    throw new AuError('AU_PASSWORD_WEAK', 'the new password is too common or too repetitive', { rule: 'not_common' });
  }
}

/** No 0/o, 1/l: the one-time password is read off a terminal and typed by a person. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A one-time password: 4 groups of 5 characters of a 32-letter alphabet (100 bits), e.g. `k3v9q-...`. */
export function newOneTimePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = '';
    for (let i = 0; i < 5; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}
