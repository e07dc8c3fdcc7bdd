import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuError } from '../errors.js';

/**
 * The key that wraps every destination's data keys. `id` is the first 16 hex characters of the SHA-256 of the key:
 * it tells keys apart (which key sealed a secret) without revealing anything usable about them.
 */
export interface MasterKey {
  id: string;
  key: Buffer;
}

export interface LoadMasterKeyOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** The data folder; the generated key lives in `<dataDir>/master.key`. */
  dataDir: string;
  /** Told once, by the process that generates the key file. */
  warn: (message: string) => void;
}

export const MASTER_KEY_ENV = 'AU_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
export const MASTER_KEY_BYTES = 32;

const EXPECTED = `${MASTER_KEY_BYTES} bytes as base64 (44 characters) or hex (64 characters), e.g. the output of \`openssl rand -base64 32\``;
/** How long a reader waits for a key file that another process has created but not written yet. */
const WRITER_WAIT_MS = 2_000;
const POLL_MS = 10;

export function createMasterKey(key: Buffer): MasterKey {
  if (key.length !== MASTER_KEY_BYTES) {
    throw new AuError('AU_INTERNAL', `a master key must be ${MASTER_KEY_BYTES} bytes`);
  }
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key: Buffer.from(key) };
}

/** 32 bytes as 64 hex characters or base64 (standard or URL-safe, padding optional); null otherwise. */
export function parseMasterKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === MASTER_KEY_BYTES) return key;
  }
  return null;
}

/**
 * The master key, from `AU_MASTER_KEY`, else from `<dataDir>/master.key`, which is generated (mode 0600) on the
 * first run. Errors name the variable or the file, never the value.
 */
export async function loadMasterKey({ env, dataDir, warn }: LoadMasterKeyOptions): Promise<MasterKey> {
  const fromEnv = env[MASTER_KEY_ENV]?.trim();
  if (fromEnv) {
    const key = parseMasterKey(fromEnv);
    if (!key) {
      throw new AuError('AU_VAULT_KEY_INVALID', `${MASTER_KEY_ENV} is not a valid master key: expected ${EXPECTED}`, { variable: MASTER_KEY_ENV });
    }
    return createMasterKey(key);
  }
  return loadKeyFile(join(dataDir, MASTER_KEY_FILE), dataDir, warn);
}

async function loadKeyFile(path: string, dataDir: string, warn: (message: string) => void): Promise<MasterKey> {
  const deadline = Date.now() + WRITER_WAIT_MS;
  for (;;) {
    const content = await readKeyFile(path);
    if (content === null) {
      const created = await createKeyFile(path, dataDir);
      if (created) {
        warn(
          `A new master key was generated at ${path}. It encrypts the stored destination credentials: if it is lost, ` +
            `they cannot be read again, so back it up somewhere safe. In production, set ${MASTER_KEY_ENV} ` +
            `(or, later, a KMS) instead of relying on this file.`,
        );
        return created;
      }
      // Another process created it first: read theirs.
    } else if (content.trim() !== '') {
      const key = parseMasterKey(content);
      if (!key) {
        throw new AuError('AU_VAULT_KEY_INVALID', `The master key file ${path} does not hold a valid key: expected ${EXPECTED}`, { path });
      }
      return createMasterKey(key);
    } else if (Date.now() >= deadline) {
      // Created but never written: no secret can have been sealed with it.
      throw new AuError(
        'AU_VAULT_KEY_INVALID',
        `The master key file ${path} is empty (an interrupted first start?). No credentials can have been saved with it: delete it to generate a new key, or set ${MASTER_KEY_ENV}`,
        { path },
      );
    }
    if (Date.now() >= deadline) {
      throw new AuError('AU_VAULT_KEY_UNREADABLE', `The master key file ${path} kept appearing and disappearing: is another process deleting it?`, { path });
    }
    await sleep(POLL_MS);
  }
}

/** The file's text, or null when it does not exist. Refuses a file that other users may read. */
async function readKeyFile(path: string): Promise<string | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw unreadable(path, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new AuError('AU_VAULT_KEY_UNREADABLE', `The master key path ${path} is not a file`, { path });
    }
    // POSIX permissions do not exist on Windows (stat reports 0666); there the folder's ACL protects the file.
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
      throw new AuError(
        'AU_VAULT_KEY_PERMISSIONS',
        `The master key file ${path} can be read by other users (mode ${mode}): run \`chmod 600 ${path}\` and start again`,
        { path, mode },
      );
    }
    return await handle.readFile('utf8');
  } catch (error) {
    if (error instanceof AuError) throw error;
    throw unreadable(path, error);
  } finally {
    await handle.close();
  }
}

/** Creates the key file with a new random key; null when another process created it first. */
async function createKeyFile(path: string, dataDir: string): Promise<MasterKey | null> {
  const key = randomBytes(MASTER_KEY_BYTES);
  let handle: FileHandle;
  try {
    await mkdir(dataDir, { recursive: true });
    // 'wx' fails if the file exists, so two first starts never both write a key.
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return null;
    throw unreadable(path, error);
  }
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    // Leave no empty key file behind; nothing was sealed with it.
    await unlink(path).catch(() => undefined);
    throw unreadable(path, error);
  }
  await handle.close();
  await syncFolder(dataDir);
  return createMasterKey(key);
}

/** Makes the new file's directory entry durable (best effort: not every platform can fsync a folder). */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // ignored
  }
}

function unreadable(path: string, error: unknown): AuError {
  const code = errorCode(error);
  return new AuError('AU_VAULT_KEY_UNREADABLE', `Cannot read or create the master key file ${path}${code ? ` (${code})` : ''}`, { path, ...(code ? { errno: code } : {}) });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
