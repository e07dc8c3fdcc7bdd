import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** A bucket created empty for this server. */
  bucket: string;
  /** What `openStorage` / `S3Storage` need to reach it: credentials s3rver accepts, region, endpoint. */
  env: NodeJS.ProcessEnv;
  /** Stops the server and deletes its files. */
  close(): Promise<void>;
}

type CipherFactory = (algorithm: string, key: Buffer, iv: Buffer | null, ...rest: unknown[]) => unknown;
let desShimmed = false;

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17 and later) no longer
 * offers: every truncated listing answers 500 InternalError (ERR_OSSL_EVP_UNSUPPORTED). Tests only: `des` (which
 * would throw anyway) is served by AES-128-CBC with the 8-byte key and IV doubled, so s3rver's tokens round-trip.
 * Nothing else in the process asks for `des`; other algorithms are untouched.
 */
function shimDesForS3rver(): void {
  if (desShimmed) return;
  desShimmed = true;
  const crypto = createRequire(import.meta.url)('node:crypto') as Record<'createCipheriv' | 'createDecipheriv', CipherFactory>;
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = crypto[name];
    crypto[name] = (algorithm, key, iv, ...rest) => {
      if (typeof algorithm === 'string' && algorithm.toLowerCase() === 'des' && key.length === 8 && iv?.length === 8) {
        return original('aes-128-cbc', Buffer.concat([key, key]), Buffer.concat([iv, iv]), ...rest);
      }
      return original(algorithm, key, iv, ...rest);
    };
  }
}

/**
 * Starts s3rver (a real S3-protocol server, for tests only) on a free port of 127.0.0.1, storing in a new temp
 * folder, with one empty bucket. Use it with `openStorage({ url: \`s3://${bucket}/prefix\`, dataDir, env })`.
 *
 * s3rver knows only the access key id `S3RVER` (any other gets InvalidAccessKeyId) and does not verify SigV4
 * signatures, so a wrong secret key is accepted. It stores `aws-chunked` bodies as they come, which is why
 * S3Storage asks for checksums only where required on custom endpoints.
 */
export async function startS3rver(options: { bucket?: string } = {}): Promise<S3rverHandle> {
  shimDesForS3rver();
  const bucket = options.bucket ?? 'au-test';
  const directory = await mkdtemp(join(tmpdir(), 'au-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  let address;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  let closed = false;
  return {
    endpoint,
    bucket,
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      AU_S3_ENDPOINT: endpoint,
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
