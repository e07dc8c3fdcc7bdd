import { AuError } from '../errors.js';

/**
 * Storage keys are `/`-separated paths relative to the storage root, without a leading slash: `exports/seg/part-1.csv`.
 * Folders are written with a trailing slash where they appear in listings (`exports/seg/`).
 */

const MAX_SHOWN = 200;

/** The key as the user can read it in a message: quoted, control characters escaped, long keys cut. */
export function showKey(key: string): string {
  const shown = JSON.stringify(key.length > MAX_SHOWN ? `${key.slice(0, MAX_SHOWN)}...` : key);
  return shown;
}

function refuse(key: string, reason: string): never {
  throw new AuError(
    'AU_STORAGE_PATH_INVALID',
    `The storage path ${showKey(key)} ${reason}; paths are relative to the storage root, with "/" between folders.`,
    { key },
  );
}

/**
 * Normalizes a key: drops empty and `.` segments and a trailing slash (`a//./b/` → `a/b`; `''` stays the root).
 * Refuses (AU_STORAGE_PATH_INVALID, naming the key) `..` segments, absolute paths, backslashes and NUL characters,
 * so a key can never name anything outside the storage root.
 */
export function safeKey(key: string): string {
  if (typeof key !== 'string') refuse(String(key), 'is not a string');
  if (key.includes('\0')) refuse(key, 'contains a NUL character');
  if (key.includes('\\')) refuse(key, 'contains a backslash');
  if (key.startsWith('/')) refuse(key, 'is an absolute path');
  if (/^[A-Za-z]:/.test(key)) refuse(key, 'starts with a drive letter');
  const segments = key.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) refuse(key, 'goes up a folder with ".."');
  return segments.join('/');
}

/** `safeKey` for operations on one object: the root itself is not an object. */
export function objectKey(key: string): string {
  const safe = safeKey(key);
  if (safe === '') refuse(key, 'is empty (it names the storage root, not a file)');
  return safe;
}

/** The folder form of a prefix: `''` for the root, else `a/b/`. */
export function folderOf(prefix: string): string {
  const safe = safeKey(prefix);
  return safe === '' ? '' : `${safe}/`;
}

/**
 * Orders keys the way S3 lists them: by UTF-8 bytes, which is code point order (JavaScript's `<` compares UTF-16
 * code units, which differs for characters outside the Basic Multilingual Plane).
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; ) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Checks `options.limit` of a listing. */
export function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new AuError('AU_OPTION_INVALID', `A storage listing limit must be a whole number of at least 1, not ${String(limit)}.`, { limit });
  }
  return limit;
}

/**
 * The path of `key` below `folder` (as returned by `folderOf`), checked to be a safe relative path: keys listed from
 * S3 are whatever was stored, `..` and empty segments included, and must not escape a local download folder.
 */
export function relativeBelow(folder: string, key: string): string {
  const rest = key.slice(folder.length);
  if (rest === '' || safeKey(rest) !== rest) refuse(key, 'cannot be saved as a local file (empty, "." or doubled "/" segments)');
  return rest;
}
