import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuError } from '../errors.js';
import { isSealedSecret, open, rewrap, seal, type SealedSecret } from './envelope.js';
import { createMasterKey } from './master-key.js';

const master = createMasterKey(randomBytes(32));
const otherMaster = createMasterKey(randomBytes(32));
const SECRET = 'sk-live-Zq9-very-secret-token-ü';
const credentials = { accessToken: SECRET, advertiserId: '7000000000000000001', appSecret: '' };
const AAD = 'destination:tiktok-1';

/** Every error raised in this file, to check that none of them reveals a secret. */
const errors: unknown[] = [];

function failure(run: () => unknown): AuError {
  try {
    run();
  } catch (error) {
    errors.push(error);
    expect(error).toBeInstanceOf(AuError);
    return error as AuError;
  }
  throw new Error('expected an error');
}

function flipByte(base64: string, index = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index % bytes.length]! ^= 0x01;
  return bytes.toString('base64');
}

describe('seal / open', () => {
  it('round-trips the credentials', () => {
    const sealed = seal(credentials, master, AAD);
    expect(sealed.v).toBe(1);
    expect(sealed.keyId).toBe(master.id);
    expect(isSealedSecret(JSON.parse(JSON.stringify(sealed)))).toBe(true);
    expect(open(JSON.parse(JSON.stringify(sealed)) as SealedSecret, master, AAD)).toEqual(credentials);
    expect(open(seal({}, master, AAD), master, AAD)).toEqual({});
  });

  it('uses a fresh data key and fresh IVs for every seal', () => {
    const a = seal(credentials, master, AAD);
    const b = seal(credentials, master, AAD);
    for (const field of ['wrappedKey', 'keyIv', 'keyTag', 'iv', 'tag', 'ciphertext'] as const) {
      expect(a[field]).not.toBe(b[field]);
    }
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.keyIv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.wrappedKey, 'base64')).toHaveLength(32);
  });

  it('stores nothing readable', () => {
    const text = JSON.stringify(seal(credentials, master, AAD));
    for (const needle of [SECRET, Buffer.from(SECRET).toString('base64'), credentials.advertiserId, master.key.toString('base64'), master.key.toString('hex')]) {
      expect(text).not.toContain(needle);
    }
  });

  it('refuses another master key with KEY_MISMATCH naming both key ids', () => {
    const error = failure(() => open(seal(credentials, master, AAD), otherMaster, AAD));
    expect(error.code).toBe('AU_VAULT_KEY_MISMATCH');
    expect(error.message).toContain(`sealed with master key ${master.id}`);
    expect(error.message).toContain(`current key is ${otherMaster.id}`);
    expect(error.message).toContain('AU_MASTER_KEY');
  });

  it.each(['ciphertext', 'tag', 'iv', 'wrappedKey', 'keyTag', 'keyIv'] as const)('refuses a flipped byte in %s as CORRUPT', (field) => {
    const sealed = seal(credentials, master, AAD);
    for (const index of [0, 5]) {
      const error = failure(() => open({ ...sealed, [field]: flipByte(sealed[field], index) }, master, AAD));
      expect(error.code).toBe('AU_VAULT_CORRUPT');
    }
  });

  it('refuses a blob moved to another record (different AAD) as CORRUPT', () => {
    const sealed = seal(credentials, master, AAD);
    expect(failure(() => open(sealed, master, 'destination:tiktok-2')).code).toBe('AU_VAULT_CORRUPT');
  });

  it('refuses a forged key id as CORRUPT', () => {
    const sealed = seal(credentials, otherMaster, AAD);
    expect(failure(() => open({ ...sealed, keyId: master.id }, master, AAD)).code).toBe('AU_VAULT_CORRUPT');
  });

  it('refuses malformed blobs as CORRUPT', () => {
    const sealed = seal(credentials, master, AAD);
    const cases: unknown[] = [
      { ...sealed, v: 2 },
      { ...sealed, tag: undefined },
      { ...sealed, tag: `${sealed.tag}!` },
      { ...sealed, iv: Buffer.alloc(16).toString('base64') },
      { ...sealed, tag: Buffer.from(sealed.tag, 'base64').subarray(0, 12).toString('base64') },
      { ...sealed, ciphertext: Buffer.from(sealed.ciphertext, 'base64').subarray(1).toString('base64') },
      null,
      'sealed',
    ];
    for (const value of cases) {
      expect(failure(() => open(value as SealedSecret, master, AAD)).code).toBe('AU_VAULT_CORRUPT');
    }
  });

  it('refuses an empty AAD and a master key of the wrong size', () => {
    expect(failure(() => seal(credentials, master, '')).code).toBe('AU_INTERNAL');
    expect(failure(() => seal(credentials, { id: 'x', key: Buffer.alloc(16) }, AAD)).code).toBe('AU_INTERNAL');
  });
});

describe('rewrap', () => {
  it('moves the data key to the new master key; the old key no longer opens it', () => {
    const sealed = seal(credentials, master, AAD);
    const rotated = rewrap(sealed, master, otherMaster, AAD);
    expect(rotated.keyId).toBe(otherMaster.id);
    expect(rotated.ciphertext).toBe(sealed.ciphertext);
    expect(rotated.wrappedKey).not.toBe(sealed.wrappedKey);
    expect(open(rotated, otherMaster, AAD)).toEqual(credentials);
    expect(failure(() => open(rotated, master, AAD)).code).toBe('AU_VAULT_KEY_MISMATCH');
    // Even with its key id forged, the new wrapping does not open under the old key.
    expect(failure(() => open({ ...rotated, keyId: master.id }, master, AAD)).code).toBe('AU_VAULT_CORRUPT');
  });

  it('refuses the wrong old key, a tampered blob and a different AAD', () => {
    const sealed = seal(credentials, master, AAD);
    expect(failure(() => rewrap(sealed, otherMaster, master, AAD)).code).toBe('AU_VAULT_KEY_MISMATCH');
    expect(failure(() => rewrap({ ...sealed, ciphertext: flipByte(sealed.ciphertext) }, master, otherMaster, AAD)).code).toBe('AU_VAULT_CORRUPT');
    expect(failure(() => rewrap(sealed, master, otherMaster, 'destination:other')).code).toBe('AU_VAULT_CORRUPT');
  });
});

describe('error messages', () => {
  it('never contain the plaintext, the keys or the ciphertext', () => {
    const sealed = seal(credentials, master, AAD);
    for (const run of [() => open(sealed, otherMaster, AAD), () => open(sealed, master, 'x'), () => open({ ...sealed, tag: flipByte(sealed.tag) }, master, AAD)]) failure(run);
    expect(errors.length).toBeGreaterThan(20);
    const forbidden = [SECRET, credentials.advertiserId, sealed.ciphertext, sealed.wrappedKey];
    for (const key of [master.key, otherMaster.key]) forbidden.push(key.toString('base64'), key.toString('hex'));
    for (const error of errors as AuError[]) {
      const text = `${error.message} ${JSON.stringify(error.details)} ${String(error.cause ?? '')}`;
      for (const needle of forbidden) expect(text).not.toContain(needle);
    }
  });
});
