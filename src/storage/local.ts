import { randomBytes } from 'node:crypto';
import { lstatSync, realpathSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { copyFile, lstat, mkdir, open, readFile, readdir, realpath, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AuError, isAuError } from '../errors.js';
import { downloadObjects, errnoCode } from './common.js';
import { checkLimit, compareKeys, folderOf, objectKey, safeKey, showKey } from './keys.js';
import type { ListOptions, Listing, Storage, StoredObject } from './storage.js';

/** Files being written are named like this until they are complete; listings never show them. */
const TEMP_PREFIX = '.au-tmp-';

type Entry = { kind: 'object'; object: StoredObject } | { kind: 'folder'; folder: string };

/**
 * Storage in a local folder. Writes are atomic (a temp file in the same folder, flushed, then renamed over the
 * target). Keys go through `safeKey`, and every path is resolved through symbolic links: a link that leads outside
 * the root is refused (AU_STORAGE_PATH_INVALID) and never listed. Folders emptied by a delete or move are removed,
 * as they would vanish on S3.
 */
export class LocalStorage implements Storage {
  readonly description: string;
  /** The root as given (absolute). */
  readonly root: string;
  /** The root with symbolic links resolved: what containment is checked against. */
  private readonly realRoot: string;

  constructor(root: string) {
    this.root = resolve(root);
    try {
      this.realRoot = realpathSync(this.root);
    } catch {
      throw new AuError('AU_STORAGE_NOT_FOUND', `The storage folder ${this.root} does not exist.`, { path: this.root });
    }
    this.description = `local folder ${this.root}`;
  }

  localPath(key: string): string {
    const safe = safeKey(key);
    const path = this.pathOf(safe);
    this.confineSync(safe, path);
    return path;
  }

  async stat(key: string): Promise<StoredObject | null> {
    const safe = objectKey(key);
    const path = this.pathOf(safe);
    await this.confine(safe, path);
    let info: Stats;
    try {
      info = await stat(path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.fsError(error, safe, path);
    }
    return info.isFile() ? { key: safe, size: info.size, modified: info.mtime } : null;
  }

  async read(key: string): Promise<Readable> {
    const safe = objectKey(key);
    const path = this.pathOf(safe);
    await this.confine(safe, path);
    let handle;
    try {
      handle = await open(path, 'r');
      if (!(await handle.stat()).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    } catch (error) {
      await handle?.close();
      throw this.fsError(error, safe, path);
    }
    return handle.createReadStream();
  }

  async readText(key: string): Promise<string> {
    const safe = objectKey(key);
    const path = this.pathOf(safe);
    await this.confine(safe, path);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw this.fsError(error, safe, path);
    }
  }

  async write(key: string, body: Buffer | string | NodeJS.ReadableStream): Promise<void> {
    // writeFile takes buffers, strings and streams alike (backpressure included).
    await this.atomically(key, (handle) => writeFile(handle, body));
  }

  async writeFile(key: string, localPath: string): Promise<void> {
    objectKey(key);
    const source = await stat(localPath).catch(() => null);
    if (!source?.isFile()) {
      throw new AuError('AU_STORAGE_NOT_FOUND', `The local file ${localPath} does not exist or is not a file.`, { path: localPath });
    }
    // Into the temp file the handle holds open (same inode: copyFile truncates and writes).
    await this.atomically(key, (_handle, temp) => copyFile(localPath, temp));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<Listing> {
    const folder = folderOf(prefix);
    const limit = checkLimit(options.limit);
    const dir = folder === '' ? this.realRoot : this.pathOf(folder.slice(0, -1));
    await this.confine(folder, dir);
    const objects: StoredObject[] = [];
    const folders: string[] = [];
    let last: string | undefined;
    let next: string | undefined;
    const realDir = await realpath(dir).catch(() => dir);
    for await (const entry of this.walk(dir, folder, options.recursive === true, options.after, new Set([realDir]))) {
      if (objects.length + folders.length === limit) {
        next = last;
        break;
      }
      if (entry.kind === 'object') {
        objects.push(entry.object);
        last = entry.object.key;
      } else {
        folders.push(entry.folder);
        last = entry.folder;
      }
    }
    return next === undefined ? { objects, folders } : { objects, folders, next };
  }

  async download(prefix: string, localDir: string): Promise<string[]> {
    return downloadObjects(
      this,
      prefix,
      localDir,
      async (key, destination) => {
        const path = this.pathOf(key);
        await this.confine(key, path);
        try {
          await copyFile(path, destination);
        } catch (error) {
          throw this.fsError(error, key, path);
        }
      },
      2,
    );
  }

  async move(from: string, to: string): Promise<void> {
    const source = objectKey(from);
    const target = objectKey(to);
    if (target.startsWith(`${source}/`)) {
      throw new AuError('AU_STORAGE_PATH_INVALID', `Cannot move ${showKey(source)} into itself (${showKey(target)}).`, { from: source, to: target });
    }
    const sourcePath = this.pathOf(source);
    const targetPath = this.pathOf(target);
    await this.confine(source, sourcePath);
    await this.confine(target, targetPath);
    let info: Stats;
    try {
      info = await lstat(sourcePath);
    } catch (error) {
      throw this.fsError(error, source, sourcePath);
    }
    if (source === target) return;
    const existing = await lstat(targetPath).catch(() => null);
    if (info.isDirectory()) {
      if (existing && !existing.isDirectory()) {
        throw new AuError('AU_OUTPUT_EXISTS', `Cannot move the folder ${showKey(source)}: ${showKey(target)} already exists as a file in ${this.description}.`, { from: source, to: target });
      }
    } else if (existing?.isDirectory()) {
      throw new AuError('AU_STORAGE_PATH_INVALID', `Cannot move ${showKey(source)} onto ${showKey(target)}: that is a folder in ${this.description}.`, { from: source, to: target });
    }
    await this.makeParent(target, targetPath);
    try {
      await rename(sourcePath, targetPath);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw new AuError('AU_OUTPUT_EXISTS', `Cannot move the folder ${showKey(source)}: the folder ${showKey(target)} already exists and is not empty in ${this.description}.`, { from: source, to: target });
      }
      throw this.fsError(error, source, sourcePath);
    }
    await this.pruneEmpty(dirname(sourcePath));
  }

  async delete(key: string): Promise<void> {
    const safe = objectKey(key);
    const path = this.pathOf(safe);
    await this.confine(safe, path);
    try {
      await unlink(path);
    } catch (error) {
      if (isMissing(error)) return;
      const info = await lstat(path).catch(() => null);
      if (info?.isDirectory()) {
        throw new AuError('AU_STORAGE_PATH_INVALID', `${showKey(safe)} is a folder in ${this.description}: use deletePrefix to delete a folder.`, { key: safe });
      }
      throw this.fsError(error, safe, path);
    }
    await this.pruneEmpty(dirname(path));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const safe = safeKey(prefix);
    if (safe === '') {
      throw new AuError('AU_STORAGE_PATH_INVALID', `Refusing to delete everything in ${this.description}: name a folder below the storage root.`, { key: prefix });
    }
    const path = this.pathOf(safe);
    await this.confine(safe, path);
    const info = await lstat(path).catch(() => null);
    if (!info) return 0;
    let count: number;
    if (info.isSymbolicLink()) {
      // A link to a folder inside the root: what was listed below it is gone with the link.
      count = (await this.list(safe, { recursive: true })).objects.length;
      await unlink(path);
    } else if (info.isDirectory()) {
      count = await countFiles(path);
      try {
        await rm(path, { recursive: true });
      } catch (error) {
        throw this.fsError(error, safe, path);
      }
    } else {
      return 0;
    }
    await this.pruneEmpty(dirname(path));
    return count;
  }

  // --- internals

  private pathOf(safe: string): string {
    return safe === '' ? this.realRoot : join(this.realRoot, ...safe.split('/'));
  }

  private inside(real: string): boolean {
    const root = this.realRoot.endsWith(sep) ? this.realRoot : this.realRoot + sep;
    return real === this.realRoot || real.startsWith(root);
  }

  private outside(key: string): AuError {
    return new AuError('AU_STORAGE_PATH_INVALID', `The storage path ${showKey(key)} leads outside ${this.description} through a symbolic link.`, { key });
  }

  /** The deepest existing part of `path`, links resolved, must lie inside the root; broken links are refused. */
  private async confine(key: string, path: string): Promise<void> {
    for (let current = path; ; current = dirname(current)) {
      try {
        if (!this.inside(await realpath(current))) throw this.outside(key);
        return;
      } catch (error) {
        if (isAuError(error)) throw error;
        if (!isMissing(error)) throw this.fsError(error, key, current);
        if ((await lstat(current).catch(() => null))?.isSymbolicLink()) {
          throw new AuError('AU_STORAGE_PATH_INVALID', `The storage path ${showKey(key)} goes through a broken symbolic link in ${this.description}.`, { key });
        }
        if (current === this.realRoot || dirname(current) === current) return;
      }
    }
  }

  private confineSync(key: string, path: string): void {
    for (let current = path; ; current = dirname(current)) {
      let real: string;
      try {
        real = realpathSync(current);
      } catch (error) {
        if (!isMissing(error)) throw this.fsError(error, key, current);
        let link = false;
        try {
          link = lstatSync(current).isSymbolicLink();
        } catch {
          // missing: look at the parent
        }
        if (link) {
          throw new AuError('AU_STORAGE_PATH_INVALID', `The storage path ${showKey(key)} goes through a broken symbolic link in ${this.description}.`, { key });
        }
        if (current === this.realRoot || dirname(current) === current) return;
        continue;
      }
      if (!this.inside(real)) throw this.outside(key);
      return;
    }
  }

  private async makeParent(key: string, path: string): Promise<void> {
    try {
      // A concurrent delete may prune a folder mkdir has just made (ENOENT on the next level): try again.
      for (let attempt = 1; ; attempt += 1) {
        try {
          await mkdir(dirname(path), { recursive: true });
          break;
        } catch (error) {
          if (errnoCode(error) !== 'ENOENT' || attempt === 5) throw error;
        }
      }
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new AuError('AU_STORAGE_PATH_INVALID', `Cannot create the folder for ${showKey(key)} in ${this.description}: part of its path is a file.`, { key });
      }
      throw this.fsError(error, key, dirname(path));
    }
  }

  /**
   * Writes through a temp file in the target's folder, flushed to disk, then renamed over the target: readers see
   * the old file or the new one, never a part. The temp file is created before anything is written, and retried if
   * a concurrent delete pruned the freshly made folder in between.
   */
  private async atomically(key: string, fill: (handle: FileHandle, temp: string) => Promise<void>): Promise<void> {
    const safe = objectKey(key);
    const path = this.pathOf(safe);
    await this.confine(safe, path);
    const temp = join(dirname(path), `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    let handle: FileHandle | undefined;
    for (let attempt = 1; handle === undefined; attempt += 1) {
      await this.makeParent(safe, path);
      if ((await lstat(path).catch(() => null))?.isDirectory()) {
        throw new AuError('AU_STORAGE_PATH_INVALID', `Cannot write ${showKey(safe)} in ${this.description}: it is a folder.`, { key: safe });
      }
      try {
        handle = await open(temp, 'wx');
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT' || attempt === 5) throw this.fsError(error, safe, path);
      }
    }
    let isOpen = true;
    try {
      await fill(handle, temp);
      await handle.sync();
      await handle.close();
      isOpen = false;
      await rename(temp, path);
    } catch (error) {
      if (isOpen) await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      if (isAuError(error) || errnoCode(error) === undefined) throw error;
      throw this.fsError(error, safe, path);
    }
  }

  /** Removes `dir` and its parents while they are empty, up to (not including) the root. */
  private async pruneEmpty(dir: string): Promise<void> {
    for (let current = dir; current !== this.realRoot && this.inside(current); current = dirname(current)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
    }
  }

  private async *walk(dir: string, dirKey: string, recursive: boolean, after: string | undefined, ancestors: Set<string>): AsyncGenerator<Entry> {
    let dirents;
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw this.fsError(error, dirKey, dir);
    }
    const items: Array<{ sortKey: string; path: string; folder: boolean }> = [];
    for (const dirent of dirents) {
      if (dirent.name.startsWith(TEMP_PREFIX)) continue;
      const path = join(dir, dirent.name);
      let folder = dirent.isDirectory();
      let file = dirent.isFile();
      if (dirent.isSymbolicLink()) {
        const real = await realpath(path).catch(() => null);
        if (real === null || !this.inside(real)) continue; // broken, or leads outside: never listed
        const info = await stat(path).catch(() => null);
        folder = info?.isDirectory() ?? false;
        file = info?.isFile() ?? false;
      }
      if (folder) items.push({ sortKey: `${dirKey}${dirent.name}/`, path, folder: true });
      else if (file) items.push({ sortKey: `${dirKey}${dirent.name}`, path, folder: false });
    }
    items.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const item of items) {
      if (item.folder && recursive) {
        // Every key below `a/` sorts after `a/` and before anything greater that does not start with `a/`.
        if (after !== undefined && compareKeys(after, item.sortKey) > 0 && !after.startsWith(item.sortKey)) continue;
        const real = await realpath(item.path).catch(() => item.path);
        if (ancestors.has(real)) continue; // a link back up: a cycle
        yield* this.walk(item.path, item.sortKey, true, after, new Set([...ancestors, real]));
        continue;
      }
      if (after !== undefined && compareKeys(item.sortKey, after) <= 0) continue;
      if (item.folder) {
        yield { kind: 'folder', folder: item.sortKey };
      } else {
        const info = await stat(item.path).catch(() => null);
        if (info?.isFile()) yield { kind: 'object', object: { key: item.sortKey, size: info.size, modified: info.mtime } };
      }
    }
  }

  private fsError(error: unknown, key: string, path: string): AuError {
    if (isAuError(error)) return error;
    const code = errnoCode(error);
    const options = { cause: error };
    switch (code) {
      case 'ENOENT':
      case 'ENOTDIR':
        return new AuError('AU_STORAGE_NOT_FOUND', `${showKey(key)} does not exist in ${this.description}.`, { key }, options);
      case 'EISDIR':
        return new AuError('AU_STORAGE_PATH_INVALID', `${showKey(key)} is a folder, not a file, in ${this.description}.`, { key }, options);
      case 'EACCES':
      case 'EPERM':
        return new AuError('AU_STORAGE_DENIED', `Permission denied on ${path} (${showKey(key)} in ${this.description}).`, { key, path }, options);
      default:
        return new AuError('AU_STORAGE_FAILED', `Storage operation on ${showKey(key)} in ${this.description} failed (${code ?? 'unknown error'}).`, { key, code }, options);
    }
  }
}

function isMissing(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** What `rm -r` removes, counted as S3 would: every non-folder entry (links are not followed), temp files aside. */
async function countFiles(dir: string): Promise<number> {
  let count = 0;
  for (const dirent of await readdir(dir, { withFileTypes: true })) {
    if (dirent.isDirectory()) count += await countFiles(join(dir, dirent.name));
    else if (!dirent.name.startsWith(TEMP_PREFIX)) count += 1;
  }
  return count;
}
