import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AuError } from '../errors.js';
import { folderOf, relativeBelow, safeKey, showKey } from './keys.js';
import type { Storage } from './storage.js';

/** Runs `work` on every item, at most `concurrency` at a time; stops at the first failure (after the running ones). */
export async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let index = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && index < items.length) {
      const item = items[index++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}

/**
 * The shared part of `Storage.download`: `prefix` names one object, else a folder whose objects are fetched below
 * `localDir` with their paths under the folder kept. Returns the local paths in key order.
 */
export async function downloadObjects(
  storage: Storage,
  prefix: string,
  localDir: string,
  fetch: (key: string, destination: string) => Promise<void>,
  concurrency: number,
): Promise<string[]> {
  const key = safeKey(prefix);
  const single = key === '' ? null : await storage.stat(key);
  let pairs: Array<{ key: string; destination: string }>;
  if (single) {
    pairs = [{ key, destination: join(localDir, basename(key)) }];
  } else {
    const folder = folderOf(key);
    const { objects } = await storage.list(folder, { recursive: true });
    if (objects.length === 0) {
      throw new AuError(
        'AU_STORAGE_NOT_FOUND',
        `Nothing to read at ${showKey(key)} in ${storage.description}: there is no file of that name and no folder with files in it.`,
        { key },
      );
    }
    pairs = objects.map((object) => ({ key: object.key, destination: join(localDir, ...relativeBelow(folder, object.key).split('/')) }));
  }
  await mkdir(localDir, { recursive: true });
  await eachLimited(pairs, concurrency, async ({ key: itemKey, destination }) => {
    await mkdir(dirname(destination), { recursive: true });
    try {
      await fetch(itemKey, destination);
    } catch (error) {
      await rm(destination, { force: true });
      throw error;
    }
  });
  return pairs.map((pair) => pair.destination);
}

export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
