import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AuError, isAuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { isBookkeepingName } from '../../sources/resolve.js';
import { safeKey, showKey } from '../../storage/keys.js';
import type { StoredObject } from '../../storage/storage.js';

/**
 * At most `size` tasks at once; the others wait their turn. The API runs DuckDB work (discovery, previews, dry
 * runs) in the server process, where a few big transforms at once would take all memory and both cores.
 */
export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

/** Discovery and previews: small samples. */
export const sampleSlots = new Slots(2);
/** Dry runs: a whole transform each. */
export const transformSlots = new Slots(1);

/** DuckDB settings of the API's sampling work: a fraction of what a worker's transform gets. */
export const SAMPLE_ENGINE = { memoryLimit: '256MB', threads: 2 } as const;

/** A private scratch folder under `<dataDir>/work` (swept by retention if a crash leaves it), removed afterwards. */
export async function withScratch<T>(runtime: Pick<Runtime, 'dataDir'>, label: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(runtime.dataDir, 'work', `api-${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Local files for storage keys, and how to say a local path as the key it came from. */
export interface LocalInputs {
  paths: string[];
  /** With `sample`: the data files of S3 folders left in storage (only each folder's first was downloaded). */
  partsNotRead: number;
  /** The text with local paths replaced by storage keys. */
  say(text: string): string;
  /** The same error with local paths replaced by storage keys (messages and details). */
  rewrite(error: unknown): unknown;
}

/**
 * Storage keys (files, or folders of part files) as local paths DuckDB can read: in place for local storage, else
 * downloaded below `scratch`. AU_STORAGE_NOT_FOUND (naming the key) when nothing is there.
 */
export async function localInputs(
  runtime: Pick<Runtime, 'storage'>,
  keys: readonly string[],
  scratch: string,
  options: { sample?: boolean } = {},
): Promise<LocalInputs> {
  const paths: string[] = [];
  const places: [string, string][] = [];
  let partsNotRead = 0;
  for (const [index, given] of keys.entries()) {
    const key = safeKey(given);
    if (key === '') throw new AuError('AU_STORAGE_PATH_INVALID', 'A dataset cannot be the whole storage root: choose files or a folder', { key: given });
    const inPlace = runtime.storage.localPath(key);
    if (inPlace !== null) {
      if (!existsSync(inPlace)) throw new AuError('AU_STORAGE_NOT_FOUND', `Nothing in storage at ${showKey(key)}`, { key });
      paths.push(inPlace);
      places.push([inPlace, key]);
      continue;
    }
    const dir = join(scratch, 'in', String(index));
    // A file (an object at the key) or a folder of part files: asked once.
    const isFile = (await runtime.storage.stat(key)) !== null;
    if (options.sample && !isFile) {
      // Discovery and previews read a sample: a folder of part files in S3 can be gigabytes, and its first data
      // file holds the first rows. The job's transform reads every part (and checks they share their columns).
      const parts = await dataObjects(runtime.storage, key);
      const first = parts[0];
      if (first === undefined) throw new AuError('AU_STORAGE_NOT_FOUND', `No data files in storage at ${showKey(key)}`, { key });
      const [file] = await runtime.storage.download(first.key, dir);
      paths.push(file!);
      places.push([file!, first.key]);
      partsNotRead += parts.length - 1;
      continue;
    }
    const files = await runtime.storage.download(key, dir);
    if (files.length === 0) throw new AuError('AU_STORAGE_NOT_FOUND', `Nothing in storage at ${showKey(key)}`, { key });
    const single = files.length === 1 && isFile;
    paths.push(single ? files[0]! : dir);
    places.push([single ? files[0]! : dir, key]);
  }
  // Longest first, so a folder's path does not replace the start of a file's inside another key.
  places.sort((a, b) => b[0].length - a[0].length);
  const say = (text: string) => places.reduce((out, [path, key]) => out.split(path).join(key), text);
  return {
    paths,
    partsNotRead,
    say,
    rewrite(error) {
      if (!isAuError(error)) return error;
      const details = JSON.parse(say(JSON.stringify(error.details))) as Record<string, unknown>;
      return new AuError(error.code, say(error.message), details, { cause: error });
    },
  };
}

export const iso = (date: Date | string | null | undefined): string | null => (date == null ? null : new Date(date).toISOString());

/** The data files below a storage folder, in key order, without bookkeeping files (as `resolveInputs` skips them locally). */
async function dataObjects(storage: Runtime['storage'], folder: string): Promise<StoredObject[]> {
  const { objects } = await storage.list(folder, { recursive: true });
  const below = folder.replace(/\/$/, '').length + 1;
  return objects.filter((object) => object.size > 0 && !object.key.slice(below).split('/').some(isBookkeepingName));
}
