import { describe, expect, it } from 'vitest';
import { maskEmail, maskGeneric, maskHash, maskName, maskPhone, maskUuid, maskValue, type MaskKind } from './mask.js';

describe('maskEmail', () => {
  it.each([
    ['john.doe@gmail.com', 'j***@g***.com'],
    ['  Mary@Example.com ', 'M***@E***.com'],
    ['user123@example.test', 'u***@e***.test'],
    ['a@b.co.uk', 'a***@b***.uk'],
    ['x@mail.example.museum', 'x***@m***.***'],
    ['no-at-sign', 'n*-**-****'],
    ['@nolocal.com', '@*******.***'],
  ])('%s -> %s', (input, expected) => {
    expect(maskEmail(input)).toBe(expected);
  });
});

describe('maskPhone', () => {
  it.each([
    ['+1 (555) 987-6543', '+1 ***-***-6543'],
    ['+44 7911 123456', '+44 ***-***-3456'],
    ['0044 7911 123456', '+44 ***-***-3456'],
    ['15559876543', '***-***-6543'],
    ['(650)555-1212', '***-***-1212'],
    ['555-12', '***-***-12'],
    ['123', '1**'],
    ['call me', 'c*** **'],
  ])('%s -> %s', (input, expected) => {
    expect(maskPhone(input)).toBe(expected);
  });
});

describe('maskName, maskHash, maskUuid, maskGeneric', () => {
  it.each([
    [maskName, 'Mary', 'M***'],
    [maskName, 'Valéry', 'V***'],
    [maskName, 'Ōtsuka', 'Ō***'],
    [maskName, 'J', '*'],
    [maskHash, 'A1B2C3D4E5F60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90', 'a1b2c3…'],
    [maskHash, 'not a hash at all', 'n** * **** *…'],
    [maskUuid, 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6', 'f8******-****-****-****-************'],
    [maskUuid, 'x', '*'],
    [maskGeneric, '1990-05-17', '1***-**-**'],
    [maskGeneric, 'US', 'U*'],
    [maskGeneric, 'M', '*'],
    [maskGeneric, '000123', '0*****'],
    [maskGeneric, 'A very long free text value', 'A **** **** …'],
    [maskGeneric, '', ''],
  ])('%o(%s) -> %s', (fn, input, expected) => {
    expect(fn(input)).toBe(expected);
  });
});

/** Characters of the mask that are letters or digits, i.e. could come from the original (masks add only `*`, separators, `…`). */
function revealed(masked: string): number {
  return Array.from(masked).filter((ch) => /[\p{L}\p{N}]/u.test(ch)).length;
}

/** A random string over letters, digits and separators, seeded for repeatability. */
function randomValues(count: number, seed = 42): string[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éß漢 .-_@+()/';
  return Array.from({ length: count }, () => {
    const length = 1 + Math.floor(next() * 40);
    return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  });
}

describe('masks never show more than a few characters of the original', () => {
  const limits: Record<MaskKind, number> = {
    // First letter of the local part and of the domain, plus a top-level domain of at most 4 letters.
    email: 6,
    // Country code (at most 3 digits) and the last 4 digits.
    phone: 7,
    // The first 6 hex digits of a digest.
    hash: 6,
    uuid: 2,
    name: 1,
    generic: 1,
  };
  const values = [
    ...randomValues(2000),
    'john.doe@gmail.com',
    '+1 (555) 987-6543',
    '15559876543',
    'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    'a'.repeat(64),
    'Mary',
  ];
  it.each(Object.entries(limits) as [MaskKind, number][])('%s reveals at most %i', (kind, limit) => {
    for (const value of values) {
      const masked = maskValue(value, kind);
      expect(revealed(masked), `${kind} mask of a ${value.length}-character value`).toBeLessThanOrEqual(limit);
      if (value.trim().length > 3) expect(masked).not.toBe(value.trim());
    }
  });
});
