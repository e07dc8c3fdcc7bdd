import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuError } from '../errors.js';
import { compareKeys, safeKey } from './keys.js';
import { LocalStorage } from './local.js';
import { openStorage, parseS3Url } from './storage.js';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'au-local-storage-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<AuError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuError);
    return error as AuError;
  }
  throw new Error('expected a rejection');
}

function thrown(run: () => unknown): AuError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AuError);
    return error as AuError;
  }
  throw new Error('expected an error');
}

describe('safeKey', () => {
  it('normalizes relative keys', () => {
    expect(safeKey('a/b.csv')).toBe('a/b.csv');
    expect(safeKey('./a//b/./c/')).toBe('a/b/c');
    expect(safeKey('')).toBe('');
    expect(safeKey('.')).toBe('');
    expect(safeKey('with space/ünïcode…/file name.csv')).toBe('with space/ünïcode…/file name.csv');
    expect(safeKey('a..b/..c')).toBe('a..b/..c'); // dots inside names are fine
  });

  it.each([
    ['../x', 'goes up a folder'],
    ['a/../../b', 'goes up a folder'],
    ['a/..', 'goes up a folder'],
    ['/etc/passwd', 'absolute'],
    ['a\\b', 'backslash'],
    ['..\\..\\windows', 'backslash'],
    ['a\0b', 'NUL'],
    ['C:/x', 'drive letter'],
  ])('refuses %j', (key, reason) => {
    const error = thrown(() => safeKey(key));
    expect(error.code).toBe('AU_STORAGE_PATH_INVALID');
    expect(error.message).toContain(JSON.stringify(key));
    expect(error.message).toContain(reason);
    expect(error.details).toEqual({ key });
  });

  it('orders keys by UTF-8 bytes, as S3 does', () => {
    const keys = ['b', 'a/x', 'a-b', '\u{1F600}', '\uFF5E', 'a'];
    expect([...keys].sort(compareKeys)).toEqual(['a', 'a-b', 'a/x', 'b', '\uFF5E', '\u{1F600}']);
  });
});

describe('LocalStorage', () => {
  it('writes atomically: a failed write leaves the old file and no temp file', async () => {
    const root = join(work, 'atomic');
    await mkdir(root);
    const storage = new LocalStorage(root);
    await storage.write('out/a.csv', 'old');
    let sent = 0;
    const failing = new Readable({
      read() {
        sent += 1;
        if (sent === 1) this.push(Buffer.from('partial new content'));
        else this.destroy(new Error('source broke'));
      },
    });
    await expect(storage.write('out/a.csv', failing)).rejects.toThrow('source broke');
    expect(await storage.readText('out/a.csv')).toBe('old');
    expect(await readdir(join(root, 'out'))).toEqual(['a.csv']);
  });

  it('writes into a folder while a delete of its last file prunes it', async () => {
    const root = join(work, 'race');
    await mkdir(root);
    const storage = new LocalStorage(root);
    for (let round = 0; round < 40; round += 1) {
      await storage.write('r/old.csv', 'old');
      await Promise.all([storage.delete('r/old.csv'), storage.write(`r/new-${round}.csv`, 'new'), storage.deletePrefix('r/none')]);
      expect(await storage.readText(`r/new-${round}.csv`)).toBe('new');
      await storage.delete(`r/new-${round}.csv`);
    }
  });

  it('hides files being written from listings', async () => {
    const root = join(work, 'hidden');
    await mkdir(join(root, 'f'), { recursive: true });
    await writeFile(join(root, 'f', '.au-tmp-0123456789abcdef'), 'half');
    await writeFile(join(root, 'f', 'done.csv'), 'done');
    const storage = new LocalStorage(root);
    expect((await storage.list('f')).objects.map((object) => object.key)).toEqual(['f/done.csv']);
  });

  it('refuses symbolic links that lead outside the root, and follows those inside', async () => {
    const root = join(work, 'links', 'root');
    const outside = join(work, 'links', 'outside');
    await mkdir(join(root, 'real'), { recursive: true });
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await writeFile(join(root, 'real', 'a.txt'), 'inside');
    await symlink(outside, join(root, 'escape'));
    await symlink(join(outside, 'secret.txt'), join(root, 'secret-link.txt'));
    await symlink(join(root, 'real'), join(root, 'alias'));
    await symlink('..', join(root, 'real', 'loop')); // back up to the root: a cycle
    await symlink(join(work, 'links', 'nowhere'), join(root, 'broken'));
    const storage = new LocalStorage(root);

    for (const attempt of [
      () => storage.read('escape/secret.txt'),
      () => storage.readText('secret-link.txt'),
      () => storage.stat('secret-link.txt'),
      () => storage.write('escape/new.txt', 'x'),
      () => storage.write('secret-link.txt', 'x'),
      () => storage.list('escape'),
      () => storage.delete('escape/secret.txt'),
      () => storage.deletePrefix('escape'),
      () => storage.move('escape/secret.txt', 'stolen.txt'),
      () => storage.download('escape', join(work, 'links', 'dl')),
      () => storage.write('broken/x.txt', 'x'),
    ]) {
      const error = await rejection(attempt());
      expect(error.code).toBe('AU_STORAGE_PATH_INVALID');
    }
    expect(thrown(() => storage.localPath('escape/secret.txt')).code).toBe('AU_STORAGE_PATH_INVALID');
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(await readdir(outside)).toEqual(['secret.txt']);

    // Links inside the root work; links outside are never listed; the cycle ends.
    expect(await storage.readText('alias/a.txt')).toBe('inside');
    const top = await storage.list('');
    expect(top.folders).toEqual(['alias/', 'real/']);
    expect(top.objects).toEqual([]);
    expect((await storage.list('', { recursive: true })).objects.map((object) => object.key)).toEqual(['alias/a.txt', 'real/a.txt']);
  });

  it('gives the absolute path of a key for reading in place', async () => {
    const root = join(work, 'paths');
    await mkdir(root);
    const storage = new LocalStorage(root);
    await storage.write('x/y.csv', 'y');
    expect(await readFile(storage.localPath('x/y.csv'), 'utf8')).toBe('y');
    expect(storage.localPath('x/not-yet.csv')).toBe(join(storage.localPath(''), 'x', 'not-yet.csv'));
  });

  it('refuses a folder where a file is expected', async () => {
    const root = join(work, 'kinds');
    await mkdir(root);
    const storage = new LocalStorage(root);
    await storage.write('dir/file.csv', 'x');
    expect((await rejection(storage.write('dir', 'x'))).code).toBe('AU_STORAGE_PATH_INVALID');
    expect((await rejection(storage.read('dir'))).code).toBe('AU_STORAGE_PATH_INVALID');
    expect((await rejection(storage.delete('dir'))).code).toBe('AU_STORAGE_PATH_INVALID');
    expect((await rejection(storage.write('dir/file.csv/inner', 'x'))).code).toBe('AU_STORAGE_PATH_INVALID');
  });
});

describe('openStorage', () => {
  it('defaults to <dataDir>/files, created', async () => {
    const dataDir = join(work, 'data-default');
    const storage = await openStorage({ dataDir });
    expect(storage).toBeInstanceOf(LocalStorage);
    expect(storage.description).toBe(`local folder ${join(dataDir, 'files')}`);
    await storage.write('a.txt', 'a');
    expect(await readFile(join(dataDir, 'files', 'a.txt'), 'utf8')).toBe('a');
  });

  it('opens a folder given as a path or a file:// URL, which must exist', async () => {
    const folder = join(work, 'explicit');
    await mkdir(folder);
    await writeFile(join(folder, 'in.csv'), 'x');
    const byPath = await openStorage({ url: folder, dataDir: work });
    expect(await byPath.readText('in.csv')).toBe('x');
    const byUrl = await openStorage({ url: `file://${folder}`, dataDir: work });
    expect(byUrl.description).toBe(`local folder ${folder}`);
    const missing = await rejection(openStorage({ url: join(work, 'no-such-folder'), dataDir: work }));
    expect(missing.code).toBe('AU_STORAGE_NOT_FOUND');
    expect(missing.message).toContain('no-such-folder');
  });

  it('refuses unknown schemes', async () => {
    const error = await rejection(openStorage({ url: 'gs://bucket/x', dataDir: work }));
    expect(error.code).toBe('AU_OPTION_INVALID');
    expect(error.message).toContain('STORAGE_URL');
  });
});

describe('parseS3Url', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Url('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://bucket/')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://my.bucket-1/clean-rooms/exports/')).toEqual({ bucket: 'my.bucket-1', prefix: 'clean-rooms/exports' });
  });

  it.each(['s3://', 's3:///x', 's3://b/../x', 's3://b/x?y=1', 's3://b/a\\b'])('refuses %j', (url) => {
    expect(thrown(() => parseS3Url(url)).code).toBe('AU_OPTION_INVALID');
  });

  it('refuses credentials in the URL without repeating them', () => {
    const error = thrown(() => parseS3Url('s3://AKIAEXAMPLE:verysecret@bucket/x'));
    expect(error.code).toBe('AU_OPTION_INVALID');
    expect(error.message).not.toContain('verysecret');
    expect(error.message).not.toContain('AKIAEXAMPLE');
  });
});
