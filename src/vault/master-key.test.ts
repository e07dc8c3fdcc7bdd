import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuError } from '../errors.js';
import { loadMasterKey, parseMasterKey } from './master-key.js';

const posix = process.platform !== 'win32';
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'au-vault-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<AuError> {
  const error = await promise.then(
    () => {
      throw new Error('expected an error');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuError);
  return error as AuError;
}

function forbidden(key: Buffer): string[] {
  return [key.toString('base64'), key.toString('hex'), key.toString('base64url')];
}

describe('loadMasterKey from AU_MASTER_KEY', () => {
  const key = randomBytes(32);
  const id = createHash('sha256').update(key).digest('hex').slice(0, 16);

  it.each([
    ['base64', key.toString('base64')],
    ['hex', key.toString('hex')],
    ['upper-case hex', key.toString('hex').toUpperCase()],
    ['unpadded base64url', key.toString('base64url')],
    ['base64 with a newline', `${key.toString('base64')}\n`],
  ])('reads %s', async (_name, value) => {
    const warn = vi.fn();
    const master = await loadMasterKey({ env: { AU_MASTER_KEY: value }, dataDir, warn });
    expect(master.key.equals(key)).toBe(true);
    expect(master.id).toBe(id);
    expect(master.id).toMatch(/^[0-9a-f]{16}$/);
    expect(warn).not.toHaveBeenCalled();
    await expect(stat(join(dataDir, 'master.key'))).rejects.toThrow();
  });

  it.each([
    ['a password', 'correct horse battery staple'],
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['63 hex characters', randomBytes(32).toString('hex').slice(1)],
    ['64 characters that are not hex', `${randomBytes(32).toString('hex').slice(1)}g`],
    ['base64 with a space inside', `${key.toString('base64').slice(0, 20)} ${key.toString('base64').slice(20)}`],
  ])('refuses %s with AU_VAULT_KEY_INVALID, naming the variable, not the value', async (_name, value) => {
    const error = await failure(loadMasterKey({ env: { AU_MASTER_KEY: value }, dataDir, warn: vi.fn() }));
    expect(error.code).toBe('AU_VAULT_KEY_INVALID');
    expect(error.message).toContain('AU_MASTER_KEY');
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain(value.trim());
    for (const needle of forbidden(key)) expect(error.message).not.toContain(needle);
  });

  it('treats an empty AU_MASTER_KEY as unset', async () => {
    const warn = vi.fn();
    await loadMasterKey({ env: { AU_MASTER_KEY: '  ' }, dataDir, warn });
    expect(warn).toHaveBeenCalledOnce();
  });
});

describe('loadMasterKey from the key file', () => {
  it('generates a 0600 key file on first load, warning once, and reads it back without warning', async () => {
    const path = join(dataDir, 'nested', 'master.key');
    const dir = join(dataDir, 'nested');
    const warn = vi.fn();
    const first = await loadMasterKey({ env: {}, dataDir: dir, warn });
    expect(first.key).toHaveLength(32);
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(parseMasterKey(await readFile(path, 'utf8'))?.equals(first.key)).toBe(true);

    expect(warn).toHaveBeenCalledOnce();
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toContain(`generated at ${path}`);
    expect(message).toMatch(/lost/);
    expect(message).toContain('AU_MASTER_KEY');
    for (const needle of forbidden(first.key)) expect(message).not.toContain(needle);

    const again = vi.fn();
    const second = await loadMasterKey({ env: {}, dataDir: dir, warn: again });
    expect(second.id).toBe(first.id);
    expect(second.key.equals(first.key)).toBe(true);
    expect(again).not.toHaveBeenCalled();
  });

  it('prefers AU_MASTER_KEY over an existing key file', async () => {
    const fileKey = await loadMasterKey({ env: {}, dataDir, warn: vi.fn() });
    const envKey = randomBytes(32);
    const master = await loadMasterKey({ env: { AU_MASTER_KEY: envKey.toString('hex') }, dataDir, warn: vi.fn() });
    expect(master.key.equals(envKey)).toBe(true);
    expect(master.id).not.toBe(fileKey.id);
  });

  it.skipIf(!posix)('refuses a key file other users can read, with the chmod hint', async () => {
    const path = join(dataDir, 'master.key');
    const key = randomBytes(32);
    await writeFile(path, key.toString('base64'), { mode: 0o644 });
    await chmod(path, 0o644);
    const error = await failure(loadMasterKey({ env: {}, dataDir, warn: vi.fn() }));
    expect(error.code).toBe('AU_VAULT_KEY_PERMISSIONS');
    expect(error.message).toContain(`chmod 600 ${path}`);
    expect(error.message).toContain('0644');
    for (const needle of forbidden(key)) expect(error.message).not.toContain(needle);

    await chmod(path, 0o600);
    expect((await loadMasterKey({ env: {}, dataDir, warn: vi.fn() })).key.equals(key)).toBe(true);
  });

  it('refuses a key file that does not hold a valid key, naming the file, not its content', async () => {
    const path = join(dataDir, 'master.key');
    const content = 'not-a-key-but-maybe-a-password';
    await writeFile(path, content, { mode: 0o600 });
    const error = await failure(loadMasterKey({ env: {}, dataDir, warn: vi.fn() }));
    expect(error.code).toBe('AU_VAULT_KEY_INVALID');
    expect(error.message).toContain(path);
    expect(error.message).not.toContain(content);
  });

  it('ends with one key when several first loads race', async () => {
    const warn = vi.fn();
    const keys = await Promise.all(Array.from({ length: 6 }, () => loadMasterKey({ env: {}, dataDir, warn })));
    expect(new Set(keys.map((key) => key.id)).size).toBe(1);
    expect(warn).toHaveBeenCalledOnce();
    expect(parseMasterKey(await readFile(join(dataDir, 'master.key'), 'utf8'))?.equals(keys[0]!.key)).toBe(true);
  });

  it('waits for a key file that another process created but has not written yet', async () => {
    const path = join(dataDir, 'master.key');
    const key = randomBytes(32);
    await writeFile(path, '', { mode: 0o600 });
    setTimeout(() => void writeFile(path, `${key.toString('base64')}\n`), 50);
    const warn = vi.fn();
    const master = await loadMasterKey({ env: {}, dataDir, warn });
    expect(master.key.equals(key)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });
});
