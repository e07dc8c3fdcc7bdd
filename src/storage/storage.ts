import { mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { AuError } from '../errors.js';
import { safeKey } from './keys.js';
import { LocalStorage } from './local.js';

export { safeKey, compareKeys } from './keys.js';

export interface StoredObject {
  /** Relative to the storage root, `/`-separated, no leading slash. */
  key: string;
  size: number;
  modified: Date;
}

export interface ListOptions {
  /** Every object below the prefix (no folders) instead of one level (objects and folders). */
  recursive?: boolean;
  /** At most this many entries (objects plus folders); `next` is set when more follow. */
  limit?: number;
  /** Only entries after this one: pass the `next` of the previous page. */
  after?: string;
}

export interface Listing {
  /** Sorted by key (UTF-8 byte order, as S3 lists). */
  objects: StoredObject[];
  /** One-level listings only: the sub-folders, as full keys with a trailing slash (`exports/seg/`). */
  folders: string[];
  /** Set when `limit` cut the listing: the last entry returned, to pass as `after`. */
  next?: string;
}

/**
 * Where inputs are read from and outputs written to: a local folder or an S3 bucket (and prefix). Keys are
 * `/`-separated relative paths; every method refuses keys that could leave the root (`safeKey`).
 */
export interface Storage {
  /** For messages: `local folder /x/files` or `s3://bucket/prefix`; never credentials. */
  readonly description: string;
  /** `prefix` is a folder (`''` is the root; a trailing slash is optional). Missing folders list as empty. */
  list(prefix: string, options?: ListOptions): Promise<Listing>;
  /** null when there is no object (file) at the key. */
  stat(key: string): Promise<StoredObject | null>;
  read(key: string): Promise<Readable>;
  readText(key: string): Promise<string>;
  /** Replaces the object whole: readers never see a partial object. */
  write(key: string, body: Buffer | string | NodeJS.ReadableStream): Promise<void>;
  /** Uploads a local file (multipart for big ones on S3). */
  writeFile(key: string, localPath: string): Promise<void>;
  /**
   * A key (one file) or a folder of part files → local files under `localDir` (paths below the folder kept), in
   * key order. DuckDB reads local files only. AU_STORAGE_NOT_FOUND when there is nothing at `prefix`.
   */
  download(prefix: string, localDir: string): Promise<string[]>;
  /**
   * Moves an object (replacing one at `to`), or a whole folder to a folder that does not exist yet (or is empty),
   * e.g. a finished staging folder into place.
   */
  move(from: string, to: string): Promise<void>;
  /** Deletes one object; nothing happens if there is none. */
  delete(key: string): Promise<void>;
  /** Deletes everything below the folder `prefix` (not the root); returns how many objects were deleted. */
  deletePrefix(prefix: string): Promise<number>;
  /** For local storage, the absolute path of a key (inputs can be read in place); null for S3. */
  localPath(key: string): string | null;
  /** Releases connections (S3). */
  close?(): Promise<void>;
}

export interface OpenStorageOptions {
  /** `STORAGE_URL`: undefined → `<dataDir>/files`; `file:///abs/path` or a path → that folder; `s3://bucket/prefix`. */
  url?: string;
  dataDir: string;
  /** Endpoint, region and credentials for S3 (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Check at once that the folder or bucket exists and can be listed (default true), so a wrong bucket, denied
   * credentials or an unreachable endpoint fail at start with a clear error rather than at the first file.
   */
  check?: boolean;
}

function invalidUrl(message: string): never {
  throw new AuError('AU_OPTION_INVALID', `STORAGE_URL ${message}`, { variable: 'STORAGE_URL' });
}

export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const { url, dataDir } = options;
  const env = options.env ?? process.env;
  const check = options.check ?? true;
  if (url === undefined || url.trim() === '') {
    const root = join(resolve(dataDir), 'files');
    await mkdir(root, { recursive: true });
    return new LocalStorage(root);
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    const { bucket, prefix } = parseS3Url(url);
    const { S3Storage } = await import('./s3.js');
    const storage = new S3Storage({ bucket, prefix, env });
    if (check) {
      try {
        await storage.check();
      } catch (error) {
        await storage.close();
        throw error;
      }
    }
    return storage;
  }
  let root: string;
  if (scheme === 'file') {
    try {
      root = fileURLToPath(url);
    } catch {
      invalidUrl('is not a valid file:// URL (expected file:///absolute/path).');
    }
  } else if (scheme !== undefined) {
    invalidUrl(`has the unsupported scheme "${scheme}:": use s3://bucket/prefix, file:///path or a folder path.`);
  } else {
    root = isAbsolute(url) ? url : resolve(url);
  }
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) {
    throw new AuError('AU_STORAGE_NOT_FOUND', `The storage folder ${root} (STORAGE_URL) does not exist or is not a folder.`, {
      variable: 'STORAGE_URL',
      path: root,
    });
  }
  return new LocalStorage(root);
}

/** `s3://bucket/some/prefix/` → bucket and normalized prefix (`some/prefix`). Never echoes credentials. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(url);
  if (!match) invalidUrl('is not a valid S3 URL (expected s3://bucket/prefix, without ? or #).');
  const bucket = match[1] ?? '';
  if (bucket.includes('@') || bucket.includes(':')) {
    invalidUrl('must not contain credentials: use the AWS credential chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, a role).');
  }
  if (!/^[a-z0-9][a-z0-9._-]{1,254}$/i.test(bucket)) {
    invalidUrl(`names an invalid bucket ${JSON.stringify(bucket)} (expected s3://bucket/prefix).`);
  }
  // Taken literally, like the AWS CLI does (no %-decoding).
  let prefix: string;
  try {
    prefix = safeKey((match[2] ?? '').replace(/^\/+/, ''));
  } catch (error) {
    invalidUrl(`has an invalid prefix: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { bucket, prefix };
}
