import { CompleteMultipartUploadCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuError } from '../errors.js';
import { mapS3Error, s3Settings, S3Storage } from './s3.js';
import type { S3ErrorContext } from './s3.js';
import { openStorage } from './storage.js';
import { startS3rver } from './testing.js';
import type { S3rverHandle } from './testing.js';

let server: S3rverHandle;
let work: string;
const opened: Array<{ close?(): Promise<void> }> = [];

beforeAll(async () => {
  server = await startS3rver({ bucket: 'au-s3-tests' });
  work = await mkdtemp(join(tmpdir(), 'au-s3-test-'));
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.map((storage) => storage.close?.()));
  await server?.close();
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

function track<T extends { close?(): Promise<void> }>(storage: T): T {
  opened.push(storage);
  return storage;
}

/** A port on which nothing listens. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('S3Storage on s3rver', () => {
  it('opens s3://bucket/prefix through openStorage and keeps keys below the prefix', async () => {
    const storage = track(await openStorage({ url: `s3://${server.bucket}/tenants/acme/`, dataDir: work, env: server.env }));
    expect(storage).toBeInstanceOf(S3Storage);
    expect(storage.description).toBe(`s3://${server.bucket}/tenants/acme`);
    await storage.write('exports/a.csv', 'a');
    const raw = new S3Client(s3Settings(server.env).config);
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'tenants/' }));
    raw.destroy();
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['tenants/acme/exports/a.csv']);
  });

  it('stores streams byte for byte (checksums only when required on custom endpoints)', async () => {
    expect(s3Settings(server.env).config).toMatchObject({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', forcePathStyle: true });
    const storage = track(new S3Storage({ bucket: server.bucket, prefix: 'checksums', env: server.env }));
    await storage.write('s.txt', Readable.from(['streamed ', 'text']));
    // With the SDK's default (WHEN_SUPPORTED) s3rver would store the aws-chunked framing: "8\r\nstreamed...".
    expect(await storage.readText('s.txt')).toBe('streamed text');
  });

  it('pages listings through continuation tokens', async () => {
    const storage = track(new S3Storage({ bucket: server.bucket, prefix: 'paging', env: server.env, pageSize: 4 }));
    const keys = Array.from({ length: 18 }, (_, i) => `k-${String(i).padStart(2, '0')}`);
    for (const key of keys) await storage.write(key, key);
    const send = vi.spyOn(S3Client.prototype, 'send');
    const listing = await storage.list('', { recursive: true });
    const tokens = send.mock.calls
      .map(([command]) => command)
      .filter((command) => command instanceof ListObjectsV2Command)
      .map((command) => (command as ListObjectsV2Command).input.ContinuationToken);
    send.mockRestore();
    expect(listing.objects.map((object) => object.key)).toEqual(keys);
    expect(tokens).toHaveLength(5); // 4 + 4 + 4 + 4 + 2
    expect(tokens[0]).toBeUndefined();
    expect(tokens.slice(1).every((token) => typeof token === 'string' && token.length > 0)).toBe(true);
  });

  it('uploads big files in parts and skips folder markers in listings', async () => {
    const storage = track(new S3Storage({ bucket: server.bucket, prefix: 'parts', env: server.env, partSize: 5 * 1024 * 1024 }));
    const file = join(work, 'twelve.bin');
    await writeFile(file, randomBytes(12 * 1024 * 1024));
    const send = vi.spyOn(S3Client.prototype, 'send');
    await storage.writeFile('twelve.bin', file);
    const commands = send.mock.calls.map(([command]) => command);
    send.mockRestore();
    expect(commands.filter((command) => command instanceof UploadPartCommand)).toHaveLength(3);
    expect(commands.filter((command) => command instanceof CompleteMultipartUploadCommand)).toHaveLength(1);
    expect((await storage.stat('twelve.bin'))?.size).toBe(12 * 1024 * 1024);

    const raw = new S3Client(s3Settings(server.env).config);
    await raw.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'parts/folder/', Body: Buffer.alloc(0), ContentLength: 0 }));
    raw.destroy();
    const listing = await storage.list('', { recursive: true });
    expect(listing.objects.map((object) => object.key)).toEqual(['twelve.bin']);
  });
});

describe('S3 errors', () => {
  it('a bucket that does not exist: AU_STORAGE_NOT_FOUND naming it', async () => {
    const error = await rejection(openStorage({ url: 's3://no-such-bucket/exports', dataDir: work, env: server.env }));
    expect(error.code).toBe('AU_STORAGE_NOT_FOUND');
    expect(error.message).toContain('"no-such-bucket" does not exist');
    expect(error.message).toContain(server.endpoint);

    const storage = track(new S3Storage({ bucket: 'no-such-bucket', env: server.env }));
    for (const attempt of [() => storage.read('a.csv'), () => storage.write('a.csv', 'x'), () => storage.list(''), () => storage.download('x', join(work, 'nb'))]) {
      const failure = await rejection(attempt());
      expect(failure.code).toBe('AU_STORAGE_NOT_FOUND');
      expect(failure.message).toContain('no-such-bucket');
    }
  });

  it('an unknown access key: AU_STORAGE_DENIED naming the bucket, never the credentials', async () => {
    const env = { ...server.env, AWS_ACCESS_KEY_ID: 'AKIAWRONGKEY0000', AWS_SECRET_ACCESS_KEY: 'wrong-secret-value' };
    const error = await rejection(openStorage({ url: `s3://${server.bucket}/x`, dataDir: work, env }));
    expect(error.code).toBe('AU_STORAGE_DENIED');
    expect(error.message).toContain(`"${server.bucket}"`);
    expect(error.message).toContain('check the AWS credentials');
    expect(error.message).toContain('InvalidAccessKeyId');
    const storage = track(new S3Storage({ bucket: server.bucket, prefix: 'x', env }));
    const errors = [error, await rejection(storage.stat('a.csv')), await rejection(storage.write('a.csv', 'x')), await rejection(storage.readText('a.csv'))];
    for (const failure of errors) {
      expect(failure.code).toBe('AU_STORAGE_DENIED');
      const everything = `${failure.message} ${JSON.stringify(failure.details)} ${String(failure.cause)} ${failure.stack}`;
      expect(everything).not.toContain('AKIAWRONGKEY0000');
      expect(everything).not.toContain('wrong-secret-value');
    }
  });

  it('s3rver does not verify signatures: a wrong secret for its key is accepted (so only the key id can be tested)', async () => {
    const env = { ...server.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' };
    const storage = track(await openStorage({ url: `s3://${server.bucket}/signatures`, dataDir: work, env }));
    await storage.write('a.txt', 'accepted');
    expect(await storage.readText('a.txt')).toBe('accepted');
  });

  it('an endpoint with nothing listening: AU_STORAGE_UNAVAILABLE naming the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await deadPort()}`;
    const env = { ...server.env, AU_S3_ENDPOINT: endpoint };
    const started = Date.now();
    const error = await rejection(openStorage({ url: `s3://${server.bucket}/x`, dataDir: work, env }));
    expect(error.code).toBe('AU_STORAGE_UNAVAILABLE');
    expect(error.message).toContain(endpoint);
    expect(error.message).toContain('AU_S3_ENDPOINT');
    expect(error.message).toContain('ECONNREFUSED');
    const storage = track(new S3Storage({ bucket: server.bucket, env }));
    expect((await rejection(storage.write('a.csv', 'x'))).code).toBe('AU_STORAGE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  const context: S3ErrorContext = { bucket: 'b', root: 's3://b/p', endpoint: 'https://s3.eu-west-1.amazonaws.com', region: 'eu-west-1', action: 'list' };
  const sdkError = (name: string, status?: number): Error =>
    Object.assign(new Error(`${name} message`), { name, $fault: 'client', ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}) });

  it.each([
    ['AccessDenied', 403, 'AU_STORAGE_DENIED'],
    ['SignatureDoesNotMatch', 403, 'AU_STORAGE_DENIED'],
    ['InvalidAccessKeyId', 403, 'AU_STORAGE_DENIED'],
    ['ExpiredToken', 400, 'AU_STORAGE_DENIED'],
    ['Unknown', 403, 'AU_STORAGE_DENIED'],
    ['NoSuchBucket', 404, 'AU_STORAGE_NOT_FOUND'],
    ['NoSuchKey', 404, 'AU_STORAGE_NOT_FOUND'],
    ['InternalError', 500, 'AU_STORAGE_UNAVAILABLE'],
    ['SlowDown', 503, 'AU_STORAGE_UNAVAILABLE'],
    ['PermanentRedirect', 301, 'AU_STORAGE_FAILED'],
    ['InvalidArgument', 400, 'AU_STORAGE_FAILED'],
  ])('maps %s (HTTP %s) to %s', (name, status, code) => {
    const error = mapS3Error(sdkError(name, status), context);
    expect(error).toBeInstanceOf(AuError);
    expect((error as AuError).code).toBe(code);
    if (code === 'AU_STORAGE_DENIED') expect(error.message).toContain('"b"');
    if (name === 'PermanentRedirect') expect(error.message).toContain('AWS_REGION');
  });

  it('maps a missing credential chain to AU_STORAGE_DENIED and keeps errors that are not from S3', () => {
    const missing = mapS3Error(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), context);
    expect((missing as AuError).code).toBe('AU_STORAGE_DENIED');
    expect(missing.message).toContain('AWS_ACCESS_KEY_ID');
    const own = new Error('the input stream broke');
    expect(mapS3Error(own, context)).toBe(own);
  });
});

describe('s3Settings', () => {
  it('takes the endpoint from AU_S3_ENDPOINT, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, in that order', () => {
    expect(s3Settings({ AWS_ENDPOINT_URL: 'http://c:3', AWS_ENDPOINT_URL_S3: 'http://b:2', AU_S3_ENDPOINT: 'http://a:1' })).toMatchObject({
      endpoint: 'http://a:1',
      endpointVariable: 'AU_S3_ENDPOINT',
    });
    expect(s3Settings({ AWS_ENDPOINT_URL: 'http://c:3', AWS_ENDPOINT_URL_S3: 'http://b:2' }).endpointVariable).toBe('AWS_ENDPOINT_URL_S3');
    expect(s3Settings({ AWS_ENDPOINT_URL: 'http://c:3' }).config).toMatchObject({ endpoint: 'http://c:3', forcePathStyle: true });
  });

  it('uses AWS defaults without an endpoint: SDK checksums, region redirects, the default credential chain', () => {
    const settings = s3Settings({ AWS_REGION: 'eu-central-1' });
    expect(settings.endpoint).toBe('https://s3.eu-central-1.amazonaws.com');
    expect(settings.config.requestChecksumCalculation).toBeUndefined();
    expect(settings.config.followRegionRedirects).toBe(true);
    expect(settings.config.credentials).toBeUndefined();
    expect(s3Settings({}).region).toBe('us-east-1');
    expect(s3Settings({ AU_S3_ENDPOINT: 'http://x:1', AWS_REQUEST_CHECKSUM_CALCULATION: 'when_supported' }).config.requestChecksumCalculation).toBe('WHEN_SUPPORTED');
  });

  it('refuses bad endpoints without repeating them', () => {
    for (const value of ['not a url', 'ftp://host', 'http://user:hunter2@host:9000']) {
      let error: unknown;
      try {
        s3Settings({ AU_S3_ENDPOINT: value });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(AuError);
      expect((error as AuError).code).toBe('AU_OPTION_INVALID');
      expect((error as AuError).message).toContain('AU_S3_ENDPOINT');
      expect((error as AuError).message).not.toContain('hunter2');
    }
  });
});
