import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuError } from '../errors.js';
import { LocalStorage } from './local.js';
import { S3Storage } from './s3.js';
import type { Storage } from './storage.js';
import { startS3rver } from './testing.js';
import type { S3rverHandle } from './testing.js';

let server: S3rverHandle;
let work: string;
let counter = 0;
const opened: Storage[] = [];

beforeAll(async () => {
  server = await startS3rver();
  work = await mkdtemp(join(tmpdir(), 'au-storage-test-'));
});

afterAll(async () => {
  await Promise.all(opened.map((storage) => storage.close?.()));
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const backends: Array<{ name: string; make: (id: string) => Promise<Storage> }> = [
  {
    name: 'local',
    make: async (id) => {
      const root = join(work, 'roots', id);
      await mkdir(root, { recursive: true });
      return new LocalStorage(root);
    },
  },
  {
    name: 's3',
    // A small listing page proves that listings follow continuation tokens; 5 MiB parts make multipart uploads
    // cheap to exercise.
    make: async (id) => new S3Storage({ bucket: server.bucket, prefix: `roots/${id}`, env: server.env, pageSize: 7, partSize: 5 * 1024 * 1024 }),
  },
];

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function rejection(promise: Promise<unknown>): Promise<AuError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuError);
    return error as AuError;
  }
  throw new Error('expected a rejection');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe.each(backends)('$name storage', ({ name, make }) => {
  let storage: Storage;

  beforeEach(async () => {
    counter += 1;
    storage = await make(`${name}-${counter}`);
    opened.push(storage);
  });

  it('writes and reads back buffers, strings and streams; stat gives size and time', async () => {
    const before = Date.now() - 2000;
    await storage.write('a/buffer.bin', Buffer.from([0, 1, 2, 255]));
    await storage.write('a/text.csv', 'email\nx@example.com\n');
    await storage.write('a/stream.txt', Readable.from([Buffer.from('one,'), 'two,', Buffer.from('three')]));
    expect(await storage.readText('a/text.csv')).toBe('email\nx@example.com\n');
    expect(await text(await storage.read('a/stream.txt'))).toBe('one,two,three');
    const chunks: Buffer[] = [];
    for await (const chunk of await storage.read('a/buffer.bin')) chunks.push(chunk as Buffer);
    expect([...Buffer.concat(chunks)]).toEqual([0, 1, 2, 255]);

    const info = await storage.stat('a/text.csv');
    expect(info).toMatchObject({ key: 'a/text.csv', size: 20 });
    expect(info?.modified).toBeInstanceOf(Date);
    expect(info?.modified.getTime()).toBeGreaterThanOrEqual(before);
    expect(await storage.stat('a/missing.csv')).toBeNull();
    expect(await storage.stat('a')).toBeNull(); // a folder is not an object

    await storage.write('a/empty.csv', '');
    expect(await storage.readText('a/empty.csv')).toBe('');
    expect((await storage.stat('a/empty.csv'))?.size).toBe(0);

    await storage.write('a/text.csv', 'replaced');
    expect(await storage.readText('a/text.csv')).toBe('replaced');
    // Keys are normalized the same way everywhere.
    expect(await storage.readText('./a//text.csv')).toBe('replaced');
    expect(await storage.readText('a/text.csv/')).toBe('replaced');

    const missing = await rejection(storage.read('a/missing.csv'));
    expect(missing.code).toBe('AU_STORAGE_NOT_FOUND');
    expect(missing.message).toContain('a/missing.csv');
    expect((await rejection(storage.readText('nope/missing.csv'))).code).toBe('AU_STORAGE_NOT_FOUND');
  });

  it('writes a stream bigger than one part (multipart on S3) byte for byte', async () => {
    const data = randomBytes(11 * 1024 * 1024 + 12345);
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    await storage.write('big/stream.bin', Readable.from(chunks));
    expect((await storage.stat('big/stream.bin'))?.size).toBe(data.length);
    const back: Buffer[] = [];
    for await (const chunk of await storage.read('big/stream.bin')) back.push(chunk as Buffer);
    expect(sha256(Buffer.concat(back))).toBe(sha256(data));
  });

  it('lists one level (objects and folders) or everything below a folder, sorted', async () => {
    for (const key of ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'd/4.txt', 'b-side.txt']) await storage.write(key, key);
    const root = await storage.list('');
    expect(root.objects.map((object) => object.key)).toEqual(['a.txt', 'b-side.txt']);
    expect(root.folders).toEqual(['b/', 'd/']);
    expect(root.next).toBeUndefined();
    expect(root.objects[0]).toMatchObject({ key: 'a.txt', size: 5 });

    const b = await storage.list('b');
    expect(b.objects.map((object) => object.key)).toEqual(['b/1.txt', 'b/2.txt']);
    expect(b.folders).toEqual(['b/c/']);
    expect(await storage.list('b/')).toEqual(b);

    const all = await storage.list('', { recursive: true });
    expect(all.objects.map((object) => object.key)).toEqual(['a.txt', 'b-side.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'd/4.txt']);
    expect(all.folders).toEqual([]);
    expect((await storage.list('b', { recursive: true })).objects.map((object) => object.key)).toEqual(['b/1.txt', 'b/2.txt', 'b/c/3.txt']);

    expect(await storage.list('nothing-here')).toEqual({ objects: [], folders: [] });
    expect(await storage.list('a.txt')).toEqual({ objects: [], folders: [] }); // a file is not a folder
  });

  it('pages through a listing with limit and after', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `p/f-${String(i).padStart(2, '0')}.csv`);
    for (const key of keys) await storage.write(key, 'x');
    await storage.write('p/sub/inner.csv', 'x');
    await storage.write('q.csv', 'x');

    // Without a limit, every page is read (7 keys per S3 request here).
    expect((await storage.list('p', { recursive: true })).objects.map((object) => object.key)).toEqual([...keys, 'p/sub/inner.csv']);

    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await storage.list('p', { recursive: true, limit: 10, ...(after ? { after } : {}) });
      pages += 1;
      expect(page.objects.length).toBeLessThanOrEqual(10);
      seen.push(...page.objects.map((object) => object.key));
      after = page.next;
    } while (after !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual([...keys, 'p/sub/inner.csv']);

    // One level, folders in the same order as objects, a folder as the cursor.
    for (const key of ['m/a', 'm/b/x', 'm/b/y', 'm/c', 'm/d/y', 'm/e']) await storage.write(key, 'x');
    const first = await storage.list('m', { limit: 2 });
    expect(first).toMatchObject({ folders: ['m/b/'], next: 'm/b/' });
    expect(first.objects.map((object) => object.key)).toEqual(['m/a']);
    const second = await storage.list('m', { limit: 2, after: 'm/b/' });
    expect(second.objects.map((object) => object.key)).toEqual(['m/c']);
    expect(second).toMatchObject({ folders: ['m/d/'], next: 'm/d/' });
    const third = await storage.list('m', { limit: 2, after: 'm/d/' });
    expect(third.objects.map((object) => object.key)).toEqual(['m/e']);
    expect(third.next).toBeUndefined();

    expect((await rejection(storage.list('m', { limit: 0 }))).code).toBe('AU_OPTION_INVALID');
  });

  it('moves a file across folders and a whole folder into place', async () => {
    await storage.write('in/a.csv', 'A');
    await storage.move('in/a.csv', 'out/sub/a.csv');
    expect(await storage.readText('out/sub/a.csv')).toBe('A');
    expect(await storage.stat('in/a.csv')).toBeNull();
    // The emptied folder is gone, as on S3. (Checked recursively: s3rver's one-level listing misses a folder that
    // holds only sub-folders, like out/ here.)
    expect((await storage.list('', { recursive: true })).objects.map((object) => object.key)).toEqual(['out/sub/a.csv']);
    expect((await storage.list('')).folders).not.toContain('in/');

    await storage.write('out/b.csv', 'B');
    await storage.move('out/b.csv', 'out/sub/a.csv'); // replaces
    expect(await storage.readText('out/sub/a.csv')).toBe('B');

    for (const key of ['stage/part-1.csv', 'stage/part-2.csv', 'stage/x/part-3.csv']) await storage.write(key, key);
    await storage.move('stage', 'final/run-1');
    expect((await storage.list('final/run-1', { recursive: true })).objects.map((object) => object.key)).toEqual([
      'final/run-1/part-1.csv',
      'final/run-1/part-2.csv',
      'final/run-1/x/part-3.csv',
    ]);
    expect(await storage.readText('final/run-1/x/part-3.csv')).toBe('stage/x/part-3.csv');
    expect((await storage.list('stage', { recursive: true })).objects).toEqual([]);

    await storage.write('stage2/part-1.csv', 'again');
    const exists = await rejection(storage.move('stage2', 'final/run-1'));
    expect(exists.code).toBe('AU_OUTPUT_EXISTS');
    expect(await storage.readText('stage2/part-1.csv')).toBe('again');
    expect((await rejection(storage.move('stage2', 'stage2/inside'))).code).toBe('AU_STORAGE_PATH_INVALID');
    expect((await rejection(storage.move('nowhere.csv', 'x.csv'))).code).toBe('AU_STORAGE_NOT_FOUND');
  });

  it('deletes a file, and everything below a folder (not its siblings)', async () => {
    for (const key of ['x/1.csv', 'x/2.csv', 'x/y/3.csv', 'xy/4.csv', 'x.csv']) await storage.write(key, key);
    await storage.delete('x/1.csv');
    await storage.delete('x/1.csv'); // again: nothing to do
    await storage.delete('never/was.csv');
    expect(await storage.stat('x/1.csv')).toBeNull();
    expect(await storage.deletePrefix('x')).toBe(2);
    expect((await storage.list('', { recursive: true })).objects.map((object) => object.key)).toEqual(['x.csv', 'xy/4.csv']);
    expect(await storage.deletePrefix('x')).toBe(0);
    expect(await storage.deletePrefix('nothing')).toBe(0);
    const root = await rejection(storage.deletePrefix(''));
    expect(root.code).toBe('AU_STORAGE_PATH_INVALID');
    expect((await rejection(storage.deletePrefix('/'))).code).toBe('AU_STORAGE_PATH_INVALID');
  });

  it('downloads a folder of part files, or one file, to a local folder', async () => {
    const parts = { 'exports/seg/part-0001.csv': 'a\n1\n', 'exports/seg/part-0002.csv': 'a\n2\n', 'exports/seg/more/part-0003.csv': 'a\n3\n' };
    for (const [key, body] of Object.entries(parts)) await storage.write(key, body);
    await storage.write('exports/segment-other.csv', 'not in the folder');
    const dir = join(work, `download-${name}-${counter}`);
    const files = await storage.download('exports/seg', dir);
    expect(files).toEqual([join(dir, 'more', 'part-0003.csv'), join(dir, 'part-0001.csv'), join(dir, 'part-0002.csv')]);
    expect(await readFile(join(dir, 'part-0002.csv'), 'utf8')).toBe('a\n2\n');
    expect(await readFile(join(dir, 'more', 'part-0003.csv'), 'utf8')).toBe('a\n3\n');

    const single = await storage.download('exports/seg/part-0001.csv', join(dir, 'one'));
    expect(single).toEqual([join(dir, 'one', 'part-0001.csv')]);
    expect(await readFile(single[0] as string, 'utf8')).toBe('a\n1\n');

    const missing = await rejection(storage.download('exports/none', join(dir, 'none')));
    expect(missing.code).toBe('AU_STORAGE_NOT_FOUND');
    expect(missing.message).toContain('exports/none');
  });

  it('uploads a 20 MB local file (multipart on S3) byte for byte', async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const source = join(work, `big-${name}-${counter}.bin`);
    await writeFile(source, data);
    await storage.writeFile('uploads/big.bin', source);
    expect((await storage.stat('uploads/big.bin'))?.size).toBe(data.length);
    const [copy] = await storage.download('uploads/big.bin', join(work, `big-back-${name}-${counter}`));
    expect(sha256(await readFile(copy as string))).toBe(sha256(data));
    await storage.writeFile('uploads/small.txt', join(work, `big-${name}-${counter}.bin`));
    const gone = await rejection(storage.writeFile('uploads/x.bin', join(work, 'no-such-file.bin')));
    expect(gone.code).toBe('AU_STORAGE_NOT_FOUND');
    await rm(source);
  });

  it.each(['../x', '/etc/passwd', 'a/../../b', 'a\\b', 'a/\0/b', '..', 'C:/Windows'])('refuses the path %j everywhere', async (bad) => {
    const attempts: Array<() => Promise<unknown>> = [
      () => storage.read(bad),
      () => storage.readText(bad),
      () => storage.stat(bad),
      () => storage.write(bad, 'x'),
      () => storage.writeFile(bad, join(work, 'anything')),
      () => storage.list(bad),
      () => storage.move(bad, 'ok.csv'),
      () => storage.move('ok.csv', bad),
      () => storage.delete(bad),
      () => storage.deletePrefix(bad),
      () => storage.download(bad, join(work, 'never')),
    ];
    for (const attempt of attempts) {
      const error = await rejection(attempt());
      expect(error.code).toBe('AU_STORAGE_PATH_INVALID');
      expect(error.message).toContain(JSON.stringify(bad));
    }
    if (storage instanceof LocalStorage) expect(() => storage.localPath(bad)).toThrow(AuError);
  });

  it('describes itself and gives local paths only for local storage', async () => {
    await storage.write('in/file.csv', 'x');
    if (name === 'local') {
      expect(storage.description).toMatch(/^local folder \//);
      const path = storage.localPath('in/file.csv') as string;
      expect(await readFile(path, 'utf8')).toBe('x');
    } else {
      expect(storage.description).toMatch(new RegExp(`^s3://${server.bucket}/roots/s3-\\d+$`));
      expect(storage.localPath('in/file.csv')).toBeNull();
    }
  });
});
