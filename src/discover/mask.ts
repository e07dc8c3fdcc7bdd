import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Masking for the samples discovery shows. A masked sample keeps the shape of a value (so a person can tell an
 * email from a phone or a hash) and at most a couple of its characters: the first letter of names and of each
 * email part, a short top-level domain, a phone's country code and last four digits, a hash's first six hex
 * digits (a hash prefix reveals nothing). Anything that does not have the expected shape falls back to
 * `maskGeneric`, so a mask never shows more of an unexpected value than of an expected one.
 */

export type MaskKind = 'email' | 'phone' | 'hash' | 'uuid' | 'name' | 'generic';

const MAX_MASK_CHARS = 12;

/** First character (a whole code point), then letters and digits as `*`, separators kept; long values cut. */
export function maskGeneric(value: string): string {
  const chars = Array.from(value.trim());
  if (chars.length === 0) return '';
  if (chars.length === 1) return '*';
  const masked = chars.slice(1, MAX_MASK_CHARS).map((ch) => (/[\p{L}\p{N}]/u.test(ch) ? '*' : /\s/.test(ch) ? ' ' : ch));
  return `${chars[0]}${masked.join('')}${chars.length > MAX_MASK_CHARS ? '…' : ''}`;
}

/** `Mary` → `M***`. */
export function maskName(value: string): string {
  const chars = Array.from(value.trim());
  if (chars.length === 0) return '';
  return chars.length === 1 ? '*' : `${chars[0]}***`;
}

/** `john.doe@gmail.com` → `j***@g***.com`; the top-level domain is kept when it is at most 4 letters. */
export function maskEmail(value: string): string {
  const trimmed = value.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return maskGeneric(trimmed);
  const local = Array.from(trimmed.slice(0, at));
  const labels = trimmed.slice(at + 1).split('.');
  const domainFirst = Array.from(labels[0] ?? '')[0] ?? '*';
  const tld = labels.length > 1 ? labels[labels.length - 1]! : '';
  const shownTld = /^\p{L}{1,4}$/u.test(tld) ? tld.toLowerCase() : '***';
  return `${local[0]}***@${domainFirst}***${labels.length > 1 ? `.${shownTld}` : ''}`;
}

/**
 * `+1 (555) 987-6543` → `+1 ***-***-6543`. The country code is shown only when the value is written
 * internationally (`+` or `00`) and libphonenumber knows it; short numbers keep two digits.
 */
export function maskPhone(value: string): string {
  const trimmed = value.trim();
  if (!/^[+\d\s().\-/]+$/.test(trimmed)) return maskGeneric(trimmed);
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 4) return maskGeneric(trimmed);
  const keep = digits.length >= 8 ? 4 : 2;
  let prefix = '';
  const international = trimmed.startsWith('+') ? digits : trimmed.startsWith('00') ? digits.slice(2) : undefined;
  if (international) {
    const code = parsePhoneNumberFromString(`+${international}`)?.countryCallingCode;
    if (code) prefix = `+${code} `;
  }
  return `${prefix}***-***-${digits.slice(-keep)}`;
}

/** A hex digest → its first 6 hex digits and an ellipsis. */
export function maskHash(value: string): string {
  const trimmed = value.trim();
  if (!/^[0-9a-fA-F]{16,}$/.test(trimmed)) return maskGeneric(trimmed);
  return `${trimmed.slice(0, 6).toLowerCase()}…`;
}

/** `f81d4fae-7dec-…` → `f8******-****-****-****-************`: the shape and two hex digits. */
export function maskUuid(value: string): string {
  const trimmed = value.trim();
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(trimmed)) return maskGeneric(trimmed);
  return `${trimmed.slice(0, 2).toLowerCase()}${trimmed.slice(2).replace(/[0-9a-fA-F]/g, '*')}`;
}

export function maskValue(value: string, kind: MaskKind): string {
  switch (kind) {
    case 'email':
      return maskEmail(value);
    case 'phone':
      return maskPhone(value);
    case 'hash':
      return maskHash(value);
    case 'uuid':
      return maskUuid(value);
    case 'name':
      return maskName(value);
    case 'generic':
      return maskGeneric(value);
  }
}
