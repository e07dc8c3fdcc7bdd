import { Transform, type Readable } from 'node:stream';
import { AuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { folderOf, safeKey, showKey } from '../../storage/keys.js';
import type { StoredObject } from '../../storage/storage.js';
import { iso } from './common.js';

/** The storage browser and browser uploads. Keys are relative to the storage root. */

/** Folders at the storage root that hold the product's own files (batch files, mirror snapshots, drop-zone claims). */
export const INTERNAL_ROOTS = ['jobs', 'snapshots', 'dropzone-work'];

export const DEFAULT_UPLOAD_MAX_BYTES = 2 * 1024 ** 3;

export type FileFormat = 'csv' | 'json' | 'jsonl' | 'parquet';

export interface FileView {
  key: string;
  name: string;
  size: number;
  modified: string;
  format: FileFormat | null;
  gzip: boolean;
}

export interface FolderView {
  key: string;
  name: string;
}

const EXTENSIONS: Record<string, FileFormat> = {
  csv: 'csv',
  tsv: 'csv',
  txt: 'csv',
  psv: 'csv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
};
/** What a browser upload may be: the formats the readers take, optionally gzipped. */
const UPLOAD_EXTENSIONS = ['csv', 'tsv', 'txt', 'json', 'jsonl', 'ndjson', 'parquet'];

/** What a file's name says it is (the readers detect the real format from the content). */
export function formatOfName(name: string): { format: FileFormat | null; gzip: boolean } {
  let lower = name.toLowerCase();
  const gzip = lower.endsWith('.gz');
  if (gzip) lower = lower.slice(0, -3);
  const ext = /\.([a-z0-9]+)$/.exec(lower)?.[1];
  return { format: (ext && EXTENSIONS[ext]) || null, gzip };
}

const lastSegment = (key: string) => key.replace(/\/$/, '').split('/').pop() ?? key;

function fileView(object: StoredObject): FileView {
  const name = lastSegment(object.key);
  return { key: object.key, name, size: object.size, modified: iso(object.modified)!, ...formatOfName(name) };
}

export function uploadMaxBytes(env: NodeJS.ProcessEnv): number {
  const raw = env.AU_UPLOAD_MAX_BYTES?.trim();
  if (!raw) return DEFAULT_UPLOAD_MAX_BYTES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new AuError('AU_OPTION_INVALID', 'AU_UPLOAD_MAX_BYTES must be a whole number of bytes', { variable: 'AU_UPLOAD_MAX_BYTES' });
  }
  return value;
}

export interface ListFilesOptions {
  prefix: string;
  search?: string;
  cursor?: string;
  limit: number;
}

export interface FileListing {
  prefix: string;
  folders: FolderView[];
  files: FileView[];
  nextCursor: string | null;
}

/** Objects scanned at most per search request; the cursor continues from there. */
const SEARCH_SCAN_LIMIT = 20_000;

/**
 * One level of a folder (folders and files, in key order), or, with `search`, every file below it whose name
 * contains the text (any case). Paged: `nextCursor` is the last key returned, to pass as `cursor`.
 */
export async function listFiles(runtime: Pick<Runtime, 'storage'>, options: ListFilesOptions): Promise<FileListing> {
  const prefix = folderOf(options.prefix);
  const cursor = options.cursor === undefined || options.cursor === '' ? undefined : options.cursor;
  if (cursor !== undefined && !(cursor.startsWith(prefix) && safeKey(cursor.replace(/\/$/, '')) === cursor.replace(/\/$/, ''))) {
    throw new AuError('AU_STORAGE_PATH_INVALID', `The cursor ${showKey(cursor)} does not belong to the folder ${showKey(prefix)}`, { cursor });
  }
  const hidden = (key: string) => prefix === '' && INTERNAL_ROOTS.some((root) => key === `${root}/` || key.startsWith(`${root}/`));
  const search = options.search?.trim().toLowerCase();
  if (!search) {
    const folders: FolderView[] = [];
    const files: FileView[] = [];
    let after = cursor;
    let next: string | undefined;
    // Hidden folders take places in a page; read on until the page is full.
    for (;;) {
      const page = await runtime.storage.list(prefix, { limit: options.limit - folders.length - files.length, ...(after !== undefined ? { after } : {}) });
      const entries = [...page.folders.map((key) => ({ key, folder: true })), ...page.objects.map((object) => ({ key: object.key, folder: false, object }))];
      for (const folder of page.folders) if (!hidden(folder)) folders.push({ key: folder, name: lastSegment(folder) });
      for (const object of page.objects) if (!hidden(object.key)) files.push(fileView(object));
      next = page.next;
      if (next === undefined || entries.length === 0 || folders.length + files.length >= options.limit) break;
      after = next;
    }
    return { prefix, folders, files, nextCursor: next ?? null };
  }
  const files: FileView[] = [];
  let after = cursor;
  let scanned = 0;
  for (;;) {
    const page = await runtime.storage.list(prefix, { recursive: true, limit: 1_000, ...(after !== undefined ? { after } : {}) });
    for (const object of page.objects) {
      scanned += 1;
      after = object.key;
      if (!hidden(object.key) && lastSegment(object.key).toLowerCase().includes(search)) {
        files.push(fileView(object));
        if (files.length >= options.limit) return { prefix, folders: [], files, nextCursor: page.next === undefined && object === page.objects.at(-1) ? null : object.key };
      }
    }
    if (page.next === undefined) return { prefix, folders: [], files, nextCursor: null };
    if (scanned >= SEARCH_SCAN_LIMIT) return { prefix, folders: [], files, nextCursor: after ?? null };
    after = page.next;
  }
}

/**
 * The name of an uploaded file, checked: no path (separators, `.` or `..`), no control characters, not hidden, at
 * most 255 bytes. AU_STORAGE_PATH_INVALID otherwise; AU_FILE_TYPE when its extension is not one the readers take.
 */
export function checkUploadName(name: string): string {
  const invalid = (reason: string): never => {
    throw new AuError('AU_STORAGE_PATH_INVALID', `The file name ${showKey(name)} ${reason}; upload a file by its plain name`, { name });
  };
  if (name === '') invalid('is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) invalid('contains control characters');
  if (name.includes('/') || name.includes('\\')) invalid('contains a path separator');
  if (name === '.' || name === '..' || name.includes('..')) invalid('contains ".."');
  if (name.startsWith('.')) invalid('is hidden (starts with ".")');
  if (Buffer.byteLength(name) > 255) invalid('is longer than 255 bytes');
  if (name !== name.trim()) invalid('starts or ends with spaces');
  const lower = name.toLowerCase().replace(/\.gz$/, '');
  const ext = /\.([a-z0-9]+)$/.exec(lower)?.[1];
  if (!ext || !UPLOAD_EXTENSIONS.includes(ext)) {
    throw new AuError('AU_FILE_TYPE', `${showKey(name)} is not a CSV, TSV, TXT, JSON, JSON Lines or Parquet file (optionally .gz)`, { name });
  }
  return name;
}

/** The folder uploads go to: a safe key, not the product's own folders. */
export function checkUploadFolder(folder: string): string {
  const key = safeKey(folder);
  const root = key.split('/')[0] ?? '';
  if (INTERNAL_ROOTS.includes(root)) {
    throw new AuError('AU_STORAGE_PATH_INVALID', `The folder ${showKey(key)} holds the product's own files; upload elsewhere (e.g. "uploads")`, { key });
  }
  return key;
}

/**
 * Streams one uploaded file into storage (atomically: nothing is visible until it is complete). The byte count is
 * checked on the way: over `maxBytes`, the write fails (AU_FILE_TOO_LARGE) and nothing is stored.
 */
export async function storeUpload(runtime: Pick<Runtime, 'storage'>, key: string, body: Readable & { truncated?: boolean }, maxBytes: number): Promise<StoredObject> {
  let bytes = 0;
  const tooLarge = () => new AuError('AU_FILE_TOO_LARGE', `The file is over the upload limit of ${maxBytes.toLocaleString('en-US')} bytes (AU_UPLOAD_MAX_BYTES); nothing was saved`, { key, maxBytes });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(tooLarge());
      else done(null, chunk);
    },
  });
  // The write sees the counter's error through its reads; a second one (the limit and the count both strike)
  // must not become an uncaught 'error' event. The size is checked again after the write in any case.
  counter.on('error', () => undefined);
  body.on('error', (error) => counter.destroy(error));
  body.on('limit', () => counter.destroy(tooLarge()));
  body.pipe(counter);
  try {
    await runtime.storage.write(key, counter);
  } catch (error) {
    // Let the rest of the part flow past, so the request can still be answered.
    body.unpipe(counter);
    body.resume();
    throw error;
  }
  if (body.truncated || bytes > maxBytes) {
    await runtime.storage.delete(key);
    throw tooLarge();
  }
  const stored = await runtime.storage.stat(key);
  return stored ?? { key, size: bytes, modified: new Date() };
}

export { fileView };
