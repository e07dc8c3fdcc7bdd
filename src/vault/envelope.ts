import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AuError } from '../errors.js';
import type { MasterKey } from './master-key.js';

/**
 * Credentials sealed by envelope encryption: a fresh data key encrypts them (AES-256-GCM), and the master key
 * wraps the data key (AES-256-GCM). Both layers authenticate the same AAD (e.g. the destination id), so a sealed
 * blob cannot be moved to another record. Binary fields are base64. Safe to store and to log: it reveals nothing
 * but the master key's id and the credentials' approximate length.
 */
export interface SealedSecret {
  v: 1;
  /** `MasterKey.id` of the key that wrapped the data key. */
  keyId: string;
  wrappedKey: string;
  keyIv: string;
  keyTag: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function seal(plaintext: Record<string, string>, master: MasterKey, aad: string): SealedSecret {
  checkMaster(master);
  checkAad(aad);
  for (const [name, value] of Object.entries(plaintext)) {
    if (typeof value !== 'string') throw new AuError('AU_INTERNAL', `credential ${name} is not a string`);
  }
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const data = encrypt(dataKey, Buffer.from(JSON.stringify(plaintext), 'utf8'), aad);
    const wrapped = encrypt(master.key, dataKey, aad);
    return {
      v: 1,
      keyId: master.id,
      wrappedKey: wrapped.ciphertext,
      keyIv: wrapped.iv,
      keyTag: wrapped.tag,
      iv: data.iv,
      tag: data.tag,
      ciphertext: data.ciphertext,
    };
  } finally {
    dataKey.fill(0);
  }
}

export function open(sealed: SealedSecret, master: MasterKey, aad: string): Record<string, string> {
  checkMaster(master);
  checkAad(aad);
  const parts = readSealed(sealed, master);
  const dataKey = unwrap(parts, master, aad);
  try {
    return decryptCredentials(parts, dataKey, aad);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Master-key rotation: re-wraps the data key under `newMaster`; the encrypted credentials are unchanged. The
 * credentials are authenticated first, so a corrupt blob is refused now rather than after the old key is gone.
 */
export function rewrap(sealed: SealedSecret, oldMaster: MasterKey, newMaster: MasterKey, aad: string): SealedSecret {
  checkMaster(oldMaster);
  checkMaster(newMaster);
  checkAad(aad);
  const parts = readSealed(sealed, oldMaster);
  const dataKey = unwrap(parts, oldMaster, aad);
  try {
    decryptCredentials(parts, dataKey, aad);
    const wrapped = encrypt(newMaster.key, dataKey, aad);
    return {
      v: 1,
      keyId: newMaster.id,
      wrappedKey: wrapped.ciphertext,
      keyIv: wrapped.iv,
      keyTag: wrapped.tag,
      iv: sealed.iv,
      tag: sealed.tag,
      ciphertext: sealed.ciphertext,
    };
  } finally {
    dataKey.fill(0);
  }
}

/** True for a value with the shape of a `SealedSecret` (e.g. read back from storage); the content is not checked. */
export function isSealedSecret(value: unknown): value is SealedSecret {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return record.v === 1 && (['keyId', 'wrappedKey', 'keyIv', 'keyTag', 'iv', 'tag', 'ciphertext'] as const).every((field) => typeof record[field] === 'string');
}

interface SealedParts {
  wrappedKey: Buffer;
  keyIv: Buffer;
  keyTag: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): { iv: string; tag: string; ciphertext: string } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
}

/** Null when authentication fails (tampered data, wrong key or wrong AAD). */
function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: string): Buffer | null {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}

function unwrap(parts: SealedParts, master: MasterKey, aad: string): Buffer {
  const dataKey = decrypt(master.key, parts.keyIv, parts.keyTag, parts.wrappedKey, aad);
  if (!dataKey || dataKey.length !== KEY_BYTES) throw corrupt();
  return dataKey;
}

function decryptCredentials(parts: SealedParts, dataKey: Buffer, aad: string): Record<string, string> {
  const plaintext = decrypt(dataKey, parts.iv, parts.tag, parts.ciphertext, aad);
  if (!plaintext) throw corrupt();
  let value: unknown;
  try {
    value = JSON.parse(plaintext.toString('utf8'));
  } catch {
    // JSON.parse messages quote the input: never pass them on.
    throw corrupt();
  } finally {
    plaintext.fill(0);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((item) => typeof item === 'string')) {
    throw corrupt();
  }
  return value as Record<string, string>;
}

/** Checks the format and the key id, and decodes; the content is authenticated later by GCM. */
function readSealed(sealed: SealedSecret, master: MasterKey): SealedParts {
  if (!isSealedSecret(sealed)) throw corrupt('they are not in the sealed format (version 1)');
  if (sealed.keyId !== master.id) {
    throw new AuError(
      'AU_VAULT_KEY_MISMATCH',
      `The credentials were sealed with master key ${sealed.keyId}, but the current key is ${master.id}: set AU_MASTER_KEY to the key used when they were saved`,
      { sealedKeyId: sealed.keyId, currentKeyId: master.id },
    );
  }
  return {
    wrappedKey: decode(sealed.wrappedKey, KEY_BYTES),
    keyIv: decode(sealed.keyIv, IV_BYTES),
    keyTag: decode(sealed.keyTag, TAG_BYTES),
    iv: decode(sealed.iv, IV_BYTES),
    tag: decode(sealed.tag, TAG_BYTES),
    ciphertext: decode(sealed.ciphertext),
  };
}

/** Strict base64 (Buffer.from skips invalid characters silently), with the expected length when fixed. */
function decode(text: string, bytes?: number): Buffer {
  const buffer = Buffer.from(text, 'base64');
  if (buffer.toString('base64') !== text || (bytes !== undefined && buffer.length !== bytes)) throw corrupt();
  return buffer;
}

function corrupt(reason = 'they were altered, or they belong to another record'): AuError {
  return new AuError('AU_VAULT_CORRUPT', `The stored credentials cannot be opened: ${reason}. Enter them again`);
}

function checkMaster(master: MasterKey): void {
  if (!Buffer.isBuffer(master.key) || master.key.length !== KEY_BYTES) {
    throw new AuError('AU_INTERNAL', `a master key must be ${KEY_BYTES} bytes`);
  }
}

function checkAad(aad: string): void {
  // Without an AAD a sealed blob could be moved to another record unnoticed.
  if (typeof aad !== 'string' || aad === '') throw new AuError('AU_INTERNAL', 'sealing needs a non-empty AAD (e.g. the destination id)');
}
