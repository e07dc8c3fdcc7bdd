import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AuError } from '../errors.js';
import { detectFile } from './detect.js';
import { FORMAT_LABELS, type SourceFile } from './types.js';

export interface ResolveOptions {
  /** Told about each file inside a folder that is skipped (hidden, bookkeeping, or zero bytes). */
  onSkip?: (path: string, reason: string) => void;
}

/**
 * Names inside a folder that are not data: hidden files, Hadoop/Spark bookkeeping (`_SUCCESS`, `_metadata`,
 * `_committed_*`, `_temporary/`, all starting with `_` or `.`), checksums and query-engine side files.
 */
export function isBookkeepingName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('_')) return true;
  return /\.(crc|metadata|manifest|md5|sha1|sha256|lock|tmp)$/i.test(name) || name === 'Thumbs.db';
}

/** Code-point order, so the same folder lists the same way on every machine and locale. */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AuError('AU_INPUT_NOT_FOUND', `${path}: no such file or folder`, { file: path });
    throw new AuError('AU_INPUT_UNREADABLE', `${path}: cannot be read (${code ?? 'error'})`, { file: path });
  }
}

async function listFolder(folder: string, options: ResolveOptions, seen: Set<string>, out: string[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    throw new AuError('AU_INPUT_UNREADABLE', `${folder}: folder cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { file: folder });
  }
  for (const name of names.sort(byCodePoint)) {
    const path = join(folder, name);
    if (isBookkeepingName(name)) {
      options.onSkip?.(path, 'not a data file');
      continue;
    }
    const info = await statOrThrow(path);
    const real = await realpath(path);
    if (seen.has(real)) continue; // a symlink loop or the same file twice
    seen.add(real);
    if (info.isDirectory()) await listFolder(path, options, seen, out);
    else if (!info.isFile()) options.onSkip?.(path, 'not a regular file');
    else if (info.size === 0) options.onSkip?.(path, 'empty');
    else out.push(path);
  }
}

/**
 * Expands the given files and folders (recursively, sorted) into data files, and detects each one's format from
 * its content. All files must be of one format; their columns are compared when the source is opened.
 * An empty file given by name is an error; empty part files inside a folder are skipped (Spark writes them
 * for empty partitions), but a folder with no data at all is an error.
 */
export async function resolveInputs(paths: string[], options: ResolveOptions = {}): Promise<SourceFile[]> {
  if (paths.length === 0) throw new AuError('AU_INPUT_NOT_FOUND', 'no input given', {});
  const seen = new Set<string>();
  const found: { path: string; bytes: number }[] = [];
  for (const given of paths) {
    const info = await statOrThrow(given);
    const real = await realpath(given);
    if (info.isDirectory()) {
      seen.add(real);
      const inside: string[] = [];
      await listFolder(given, options, seen, inside);
      if (inside.length === 0) throw new AuError('AU_INPUT_EMPTY', `${given}: folder has no data files`, { file: given });
      for (const path of inside) found.push({ path, bytes: (await stat(path)).size });
    } else if (info.isFile()) {
      if (seen.has(real)) continue;
      seen.add(real);
      if (info.size === 0) throw new AuError('AU_INPUT_EMPTY', `${given}: file is empty`, { file: given });
      found.push({ path: given, bytes: info.size });
    } else {
      throw new AuError('AU_INPUT_UNREADABLE', `${given}: not a regular file or folder`, { file: given });
    }
  }

  const files: SourceFile[] = [];
  for (const { path, bytes } of found) files.push(await detectFile(path, bytes));
  assertOneFormat(files);
  return files;
}

/** Files of one dataset are read in one scan, so they must share a format. */
export function assertOneFormat(files: readonly SourceFile[]): void {
  const first = files[0];
  if (!first) return;
  const other = files.find((f) => f.format !== first.format);
  if (other) {
    throw new AuError(
      'AU_INPUT_FORMAT',
      `${first.path} is ${FORMAT_LABELS[first.format]} but ${other.path} is ${FORMAT_LABELS[other.format]}; files of one dataset must have one format`,
      { files: [first.path, other.path], formats: [first.format, other.format] },
    );
  }
}

/** A short label for messages about a whole input. */
export function describeInputs(files: readonly SourceFile[]): string {
  if (files.length === 1) return files[0]!.path;
  return `${files.length} files (${basename(files[0]!.path)}, …)`;
}
