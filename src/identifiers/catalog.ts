/**
 * The platform-neutral identifier types a user can map a column to. Each platform's profile
 * (src/destinations/<platform>/profile.ts) says which of these it takes, under what name, with which rule.
 */
export const IDENTIFIER_TYPES = [
  'EMAIL',
  'PHONE',
  'IDFA',
  'GAID',
  'MAID',
  'FN',
  'LN',
  'FI',
  'ZIP',
  'CT',
  'ST',
  'COUNTRY',
  'DOB',
  'DOBY',
  'DOBM',
  'DOBD',
  'GEN',
  'EXTERN_ID',
] as const;

export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export function isIdentifierType(value: string): value is IdentifierType {
  return (IDENTIFIER_TYPES as readonly string[]).includes(value);
}

/** A 64-character hex string: a value that is already SHA-256 hashed. */
export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
export const SHA256_HEX_SQL = '^[0-9a-fA-F]{64}$';
