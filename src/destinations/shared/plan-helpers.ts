import { createHash } from 'node:crypto';
import type { OutputFile } from '../../transform/file-parts.js';

/** Consecutive groups of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

/** One checksum for a batch of several files: the MD5 of their MD5s in order. */
export function combinedChecksum(files: readonly OutputFile[]): string {
  if (files.length === 1) return files[0]!.md5;
  return createHash('md5').update(files.map((file) => file.md5).join('\n')).digest('hex');
}
