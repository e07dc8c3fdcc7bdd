import type { IdentifierType } from '../identifiers/catalog.js';
import type { ErrorCode } from '../errors.js';
import { DESTINATIONS } from '../destinations/registry.js';
import { supportedTypes } from '../destinations/profile.js';

/**
 * The drop zone's storage layout, and reading a dropped file's key (pure: no storage, no database).
 *
 *   dropzone/<platform>/<audience>/<identifier>/<file>    files people (or Clean Rooms) drop, already hashed
 *   dropzone-work/<claim>/claim.json                      a claimed file: where it came from, when
 *   dropzone-work/<claim>/original/<relative path>        the file itself, moved here (the move is the claim)
 *   dropzone-work/<claim>/upload/<column>.csv             its hashes, one a line under one header: the job's input
 *   processed/<relative folder>/<timestamp>-<file>        uploaded
 *   failed/<relative folder>/<timestamp>-<file>           not uploaded, beside <timestamp>-<file>.error.txt
 */
export const DROPZONE_ROOT = 'dropzone';
export const WORK_ROOT = 'dropzone-work';
export const PROCESSED_ROOT = 'processed';
export const FAILED_ROOT = 'failed';

/** Identifier types a file of SHA-256 hashes can hold (the others are split, raw, or not identifiers). */
export const DROPZONE_TYPES = ['EMAIL', 'PHONE', 'IDFA', 'GAID', 'MAID'] as const satisfies readonly IdentifierType[];
export type DropzoneType = (typeof DROPZONE_TYPES)[number];

/** Identifier folder names, lower-cased with `-` read as `_`: `<type>_sha256`, or the plain type (hashed all the same). */
const IDENTIFIER_FOLDERS: ReadonlyMap<string, DropzoneType> = new Map(
  DROPZONE_TYPES.flatMap((type) => [
    [`${type.toLowerCase()}_sha256`, type],
    [type.toLowerCase(), type],
  ]),
);

/** A dropped file's key, understood. */
export interface DropTarget {
  /** Registry key (`tiktok`), whatever the folder's case. */
  platform: string;
  /** The audience folder's name as written (its case kept): the audience name. */
  audience: string;
  identifier: DropzoneType;
  /** The identifier folder as written, e.g. `EMAIL_SHA256`. */
  identifierFolder: string;
  /** Column name of the normalized upload file: `email_sha256`. */
  column: string;
}

export type ParsedDrop = { ok: true; target: DropTarget } | { ok: false; code: ErrorCode; reason: string };

/** The identifier folders a platform takes in the drop zone: the hashable types it wants hashed. */
export function identifierFoldersFor(platform: string): string[] {
  const profile = Object.hasOwn(DESTINATIONS, platform) ? DESTINATIONS[platform]?.profile : undefined;
  if (!profile) return [];
  return supportedTypes(profile)
    .filter((type): type is DropzoneType => (DROPZONE_TYPES as readonly string[]).includes(type) && profile.identifiers[type]?.hashed === true)
    .map((type) => `${type.toLowerCase()}_sha256`);
}

const layoutReason = (relative: string) =>
  `a drop-zone file goes in ${DROPZONE_ROOT}/<platform>/<audience>/<identifier>/<file>, e.g. ${DROPZONE_ROOT}/tiktok/Foodies/email_sha256/list.csv; ` +
  `${JSON.stringify(`${DROPZONE_ROOT}/${relative}`)} is not`;

/**
 * Reads `relative` (the key below `dropzone/`): `<platform>/<audience>/<identifier>/<file>`. Platform and identifier
 * folders are case-insensitive; the audience folder is the audience name, its case kept. Reasons name folders,
 * never file contents.
 */
export function parseDropPath(relative: string): ParsedDrop {
  const segments = relative.split('/').filter((segment) => segment !== '');
  if (segments.length !== 4) return { ok: false, code: 'AU_DROPZONE_PATH', reason: layoutReason(relative) };
  const [platformFolder, audience, identifierFolder] = segments as [string, string, string, string];
  const platform = platformFolder.toLowerCase();
  const definition = Object.hasOwn(DESTINATIONS, platform) ? DESTINATIONS[platform] : undefined;
  if (!definition) {
    return { ok: false, code: 'AU_DROPZONE_PATH', reason: `unknown platform folder ${JSON.stringify(platformFolder)}; use one of: ${Object.keys(DESTINATIONS).join(', ')}` };
  }
  const folders = identifierFoldersFor(platform);
  const choices = `use one of: ${folders.join(', ')}`;
  const identifier = IDENTIFIER_FOLDERS.get(identifierFolder.toLowerCase().replaceAll('-', '_'));
  if (!identifier) {
    return { ok: false, code: 'AU_DROPZONE_PATH', reason: `unknown identifier folder ${JSON.stringify(identifierFolder)}; ${choices}` };
  }
  const taken = definition.profile.identifiers[identifier];
  if (!taken) {
    return { ok: false, code: 'AU_DROPZONE_PATH', reason: `${definition.profile.label} does not take ${identifier} (identifier folder ${JSON.stringify(identifierFolder)}); ${choices}` };
  }
  if (!taken.hashed) {
    return {
      ok: false,
      code: 'AU_DROPZONE_PATH',
      reason: `${definition.profile.label} takes ${identifier} unhashed, and the drop zone takes hashed files only (use \`upload\` for raw files); ${choices}`,
    };
  }
  return { ok: true, target: { platform, audience, identifier, identifierFolder, column: `${identifier.toLowerCase()}_sha256` } };
}

/**
 * Names never taken from the drop zone: hidden and editor files, and the temp names copy tools write under before
 * renaming (rsync `.name.XXXX`, WinSCP `.filepart`, browsers `.crdownload`, `.part`, `.partial`, `.tmp`).
 */
export function isIgnoredName(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (name === '' || name.startsWith('.') || name.startsWith('~')) return true;
  return /\.(tmp|temp|part|partial|filepart|crdownload|swp)$/i.test(name);
}

/**
 * The stability rule: a file is taken once it has not been modified for `settleMs`. A writer that is still writing
 * keeps its modified time fresh; an S3 object appears whole, so on S3 this only adds a short delay. The rule is
 * stateless, so it holds whichever worker scans next.
 */
export function isSettled(modified: Date, now: Date, settleMs: number): boolean {
  return now.getTime() - modified.getTime() >= settleMs;
}

/** `20261122T195631.123Z`: sortable, no `:` (which some tools refuse in file names). */
export function keyTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '');
}

/** Where a finished file goes: `<root>/<its folders>/<timestamp>-<its name>`. */
export function outcomeKey(root: typeof PROCESSED_ROOT | typeof FAILED_ROOT, relative: string, at: Date): string {
  const slash = relative.lastIndexOf('/');
  const folder = slash < 0 ? '' : `${relative.slice(0, slash)}/`;
  return `${root}/${folder}${keyTimestamp(at)}-${relative.slice(slash + 1)}`;
}
