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

export const IDENTIFIER_DESCRIPTIONS: Record<IdentifierType, string> = {
  EMAIL: 'email address',
  PHONE: 'phone number',
  IDFA: 'Apple advertising id (IDFA)',
  GAID: 'Google advertising id (GAID)',
  MAID: 'mobile advertising id, IDFA or GAID',
  FN: 'first name',
  LN: 'last name',
  FI: 'first initial',
  ZIP: 'postal code',
  CT: 'city',
  ST: 'state or region',
  COUNTRY: 'country',
  DOB: 'full date of birth',
  DOBY: 'year of birth',
  DOBM: 'month of birth',
  DOBD: 'day of birth',
  GEN: 'gender',
  EXTERN_ID: 'advertiser\'s own customer id',
};

export function isIdentifierType(value: string): value is IdentifierType {
  return (IDENTIFIER_TYPES as readonly string[]).includes(value);
}

/** A 64-character hex string: a value that is already SHA-256 hashed. */
export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
export const SHA256_HEX_SQL = '^[0-9a-fA-F]{64}$';
