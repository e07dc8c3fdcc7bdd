import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, S3ClientConfig } from '@aws-sdk/client-s3';
import { createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AuError, isAuError } from '../errors.js';
import { downloadObjects, eachLimited, errnoCode } from './common.js';
import { checkLimit, compareKeys, folderOf, objectKey, safeKey, showKey } from './keys.js';
import type { ListOptions, Listing, Storage, StoredObject } from './storage.js';

const MiB = 1024 * 1024;
/** S3 copies at most 5 GiB in one CopyObject; bigger objects need a multipart copy, which this does not do (yet). */
const MAX_COPY_BYTES = 5 * 1024 * MiB;
const MAX_PARTS = 10_000;
const ENDPOINT_VARIABLES = ['AU_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'] as const;
const CHECKSUM_MODES = ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const;
type ChecksumMode = (typeof CHECKSUM_MODES)[number];

export interface S3Settings {
  /** Client configuration: region, endpoint, credentials, checksum behaviour, timeouts. */
  config: S3ClientConfig;
  region: string;
  /** For messages: the custom endpoint (without user info or query) or AWS's regional endpoint. */
  endpoint: string;
  /** The variable the custom endpoint came from, if any. */
  endpointVariable?: string;
}

/**
 * S3 client settings from the environment:
 * - endpoint from `AU_S3_ENDPOINT`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (path-style addressing when
 *   set: S3-compatible stores rarely resolve bucket subdomains);
 * - region from `AWS_REGION` / `AWS_DEFAULT_REGION` (default us-east-1); requests to a bucket in another AWS region
 *   follow the redirect;
 * - credentials: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`) of `env` when set, else the
 *   SDK's default chain (profile, SSO, web identity, container or instance role);
 * - checksums: the SDK's default (CRC32 on every upload, `aws-chunked` bodies for streams) on AWS; only where an API
 *   requires one on custom endpoints, because S3-compatible servers (s3rver, older MinIO and Ceph) store an
 *   `aws-chunked` body as is, framing included. `AWS_REQUEST_CHECKSUM_CALCULATION` and
 *   `AWS_RESPONSE_CHECKSUM_VALIDATION` override both.
 */
export function s3Settings(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';
  const endpointVariable = ENDPOINT_VARIABLES.find((name) => env[name]?.trim());
  const config: S3ClientConfig = {
    region,
    maxAttempts: 3,
    followRegionRedirects: endpointVariable === undefined,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  };
  let endpoint = `https://s3.${region}.amazonaws.com`;
  if (endpointVariable !== undefined) {
    const raw = (env[endpointVariable] as string).trim();
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AuError('AU_OPTION_INVALID', `${endpointVariable} is not a valid URL (expected http(s)://host:port).`, { variable: endpointVariable });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AuError('AU_OPTION_INVALID', `${endpointVariable} must be an http:// or https:// URL.`, { variable: endpointVariable });
    }
    if (url.username || url.password) {
      throw new AuError('AU_OPTION_INVALID', `${endpointVariable} must not contain credentials: use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`, { variable: endpointVariable });
    }
    config.endpoint = raw;
    config.forcePathStyle = true;
    endpoint = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  }
  const requestChecksums = checksumMode(env, 'AWS_REQUEST_CHECKSUM_CALCULATION') ?? (endpointVariable ? 'WHEN_REQUIRED' : undefined);
  const responseChecksums = checksumMode(env, 'AWS_RESPONSE_CHECKSUM_VALIDATION') ?? (endpointVariable ? 'WHEN_REQUIRED' : undefined);
  if (requestChecksums) config.requestChecksumCalculation = requestChecksums;
  if (responseChecksums) config.responseChecksumValidation = responseChecksums;
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN?.trim();
    config.credentials = sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  } else if (env !== process.env && env.AWS_PROFILE?.trim()) {
    config.profile = env.AWS_PROFILE.trim();
  }
  return endpointVariable === undefined ? { config, region, endpoint } : { config, region, endpoint, endpointVariable };
}

function checksumMode(env: NodeJS.ProcessEnv, name: string): ChecksumMode | undefined {
  const value = env[name]?.trim().toUpperCase();
  if (!value) return undefined;
  if (!(CHECKSUM_MODES as readonly string[]).includes(value)) {
    throw new AuError('AU_OPTION_INVALID', `${name} must be WHEN_SUPPORTED or WHEN_REQUIRED.`, { variable: name });
  }
  return value as ChecksumMode;
}

export interface S3StorageOptions {
  bucket: string;
  /** Folder inside the bucket that is the storage root (no leading or trailing slash needed). */
  prefix?: string;
  /** Endpoint, region and credentials (see `s3Settings`); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** At most this many keys per ListObjectsV2 request (S3's maximum and default: 1000). For tests of paging. */
  pageSize?: number;
  /** Multipart part size (default 8 MiB; at least 5 MiB on S3). Files up to this size go in one PutObject. */
  partSize?: number;
  /** Requests in flight at once for multipart uploads, downloads and folder moves (default 4). */
  concurrency?: number;
}

const DENIED = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AccountProblem',
  'InvalidObjectState',
  'Forbidden',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
}

function networkCode(error: unknown): string | undefined {
  const shape = (error ?? {}) as SdkErrorShape;
  const code = errnoCode(error);
  if (code && NETWORK.has(code)) return code;
  if (shape.name === 'TimeoutError') return 'timeout';
  for (const inner of Array.isArray(shape.errors) ? shape.errors : []) {
    const innerCode = networkCode(inner);
    if (innerCode) return innerCode;
  }
  return undefined;
}

export interface S3ErrorContext {
  bucket: string;
  /** `s3://bucket/prefix`. */
  root: string;
  endpoint: string;
  endpointVariable?: string;
  region: string;
  /** What was being done, for the message: `list`, `read "a/b.csv"`. */
  action: string;
  key?: string;
}

/**
 * Turns an S3 SDK error into an AuError a user can act on. Messages name the bucket, key and endpoint, never the
 * credentials; denied errors keep no SDK cause (it may hold the access key id). Errors that did not come from S3
 * (a failing input stream) are returned unchanged.
 */
export function mapS3Error(error: unknown, context: S3ErrorContext): Error {
  if (isAuError(error)) return error;
  const shape = (error ?? {}) as SdkErrorShape;
  const name = shape.name ?? 'Error';
  const status = shape.$metadata?.httpStatusCode;
  // The SDK error holds the raw request and response (headers with the access key id and signature): keep only
  // its name, status and S3's message as the cause.
  const cause = new Error(`${name}${status !== undefined ? ` (HTTP ${status})` : ''}: ${error instanceof Error ? error.message : String(error)}`);
  cause.name = name;
  const details: Record<string, unknown> = { bucket: context.bucket, s3Code: name };
  if (status !== undefined) details.status = status;
  if (context.key !== undefined) details.key = context.key;
  const endpointHint = context.endpointVariable ? ` (${context.endpointVariable})` : '';
  if (name === 'CredentialsProviderError') {
    return new AuError(
      'AU_STORAGE_DENIED',
      `No AWS credentials were found to ${context.action} in ${context.root}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an IAM role.`,
      details,
    );
  }
  const network = networkCode(error);
  if (network !== undefined) {
    return new AuError(
      'AU_STORAGE_UNAVAILABLE',
      `Cannot reach the S3 endpoint ${context.endpoint}${endpointHint} to ${context.action} in ${context.root} (${network}): check the endpoint and that the server is running.`,
      { ...details, endpoint: context.endpoint, network },
      { cause },
    );
  }
  if (name === 'NoSuchBucket') {
    return new AuError(
      'AU_STORAGE_NOT_FOUND',
      `The S3 bucket "${context.bucket}" does not exist at ${context.endpoint}${endpointHint}: check STORAGE_URL.`,
      details,
      { cause },
    );
  }
  if (DENIED.has(name) || status === 403) {
    return new AuError(
      'AU_STORAGE_DENIED',
      `S3 denied access to ${context.action} in bucket "${context.bucket}" (${name === 'Unknown' ? `HTTP ${status ?? 403}` : name}): check the AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the role) and that they may use ${context.root}.`,
      details,
    );
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    const what = context.key !== undefined ? showKey(context.key) : 'The object';
    return new AuError('AU_STORAGE_NOT_FOUND', `${what} does not exist in ${context.root}.`, details, { cause });
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException' || status === 301) {
    return new AuError(
      'AU_STORAGE_FAILED',
      `The S3 bucket "${context.bucket}" is not in the region ${context.region}: set AWS_REGION to the bucket's region.`,
      details,
      { cause },
    );
  }
  if (status === undefined && !(error instanceof Error && '$fault' in error)) {
    // Not an answer from S3: e.g. the body stream of a write failed. Keep it as it is.
    return error instanceof Error ? error : new AuError('AU_STORAGE_FAILED', `Could not ${context.action} in ${context.root}.`, details);
  }
  if ((status !== undefined && status >= 500) || name === 'SlowDown' || name === 'ServiceUnavailable' || name === 'InternalError') {
    return new AuError(
      'AU_STORAGE_UNAVAILABLE',
      `S3 at ${context.endpoint} could not ${context.action} in ${context.root} after retries (${name}${status ? `, HTTP ${status}` : ''}).`,
      details,
      { cause },
    );
  }
  return new AuError(
    'AU_STORAGE_FAILED',
    `S3 refused to ${context.action} in ${context.root} (${name}${status ? `, HTTP ${status}` : ''}).`,
    details,
    { cause },
  );
}

/** Storage in an S3 bucket (or any S3-compatible store), below an optional prefix. */
export class S3Storage implements Storage {
  readonly description: string;
  readonly bucket: string;
  /** The root folder inside the bucket, normalized (`''` or `a/b`). */
  readonly prefix: string;
  readonly endpoint: string;
  private readonly settings: S3Settings;
  private readonly client: S3Client;
  /** `prefix/`, or `''`: prepended to every key. */
  private readonly base: string;
  private readonly pageSize: number;
  private readonly partSize: number;
  private readonly concurrency: number;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.prefix = safeKey(options.prefix ?? '');
    this.base = this.prefix === '' ? '' : `${this.prefix}/`;
    this.description = `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.settings = s3Settings(options.env ?? process.env);
    this.endpoint = this.settings.endpoint;
    this.client = new S3Client(this.settings.config);
    this.pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
    this.partSize = Math.max(1, options.partSize ?? 8 * MiB);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  localPath(): null {
    return null;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Lists at most one key below the root: fails clearly when the bucket is missing, access is denied or S3 is unreachable. */
  async check(): Promise<void> {
    await this.send('list', undefined, this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.base, MaxKeys: 1 })));
  }

  async stat(key: string): Promise<StoredObject | null> {
    const safe = objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.base + safe }));
      return { key: safe, size: head.ContentLength ?? 0, modified: head.LastModified ?? new Date(0) };
    } catch (error) {
      // HEAD answers carry no body: a missing key and a missing bucket are both a bare 404.
      if ((error as SdkErrorShape).$metadata?.httpStatusCode === 404) return null;
      throw this.error(error, `read ${showKey(safe)}`, safe);
    }
  }

  async read(key: string): Promise<Readable> {
    const safe = objectKey(key);
    const answer = await this.send(`read ${showKey(safe)}`, safe, this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.base + safe })));
    if (answer.Body instanceof Readable) return answer.Body;
    throw new AuError('AU_STORAGE_FAILED', `S3 returned no readable body for ${showKey(safe)} in ${this.description}.`, { key: safe });
  }

  async readText(key: string): Promise<string> {
    const safe = objectKey(key);
    const answer = await this.send(`read ${showKey(safe)}`, safe, this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.base + safe })));
    if (!answer.Body) throw new AuError('AU_STORAGE_FAILED', `S3 returned no body for ${showKey(safe)} in ${this.description}.`, { key: safe });
    try {
      return await answer.Body.transformToString('utf-8');
    } catch (error) {
      throw this.error(error, `read ${showKey(safe)}`, safe);
    }
  }

  async write(key: string, body: Buffer | string | NodeJS.ReadableStream): Promise<void> {
    const safe = objectKey(key);
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      await this.put(safe, bytes);
      return;
    }
    await this.writeStream(safe, body);
  }

  async writeFile(key: string, localPath: string): Promise<void> {
    const safe = objectKey(key);
    const info = await stat(localPath).catch(() => null);
    if (!info?.isFile()) {
      throw new AuError('AU_STORAGE_NOT_FOUND', `The local file ${localPath} does not exist or is not a file.`, { path: localPath });
    }
    const handle = await open(localPath, 'r');
    try {
      if (info.size <= this.partSize) {
        // Whole in memory (at most one part): a retried request can send it again, which a stream could not.
        await this.put(safe, await readExactly(handle, 0, info.size));
        return;
      }
      const partSize = Math.max(this.partSize, Math.ceil(info.size / MAX_PARTS));
      const count = Math.ceil(info.size / partSize);
      await this.multipart(safe, async (uploadPart) => {
        const parts: CompletedPart[] = new Array(count);
        await eachLimited(
          Array.from({ length: count }, (_, index) => index),
          this.concurrency,
          async (index) => {
            const start = index * partSize;
            const bytes = await readExactly(handle, start, Math.min(partSize, info.size - start));
            parts[index] = await uploadPart(index + 1, bytes);
          },
        );
        return parts;
      });
    } finally {
      await handle.close();
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<Listing> {
    const folder = folderOf(prefix);
    const limit = checkLimit(options.limit);
    const recursive = options.recursive === true;
    const after = options.after;
    const entries: Array<{ sortKey: string; object?: StoredObject }> = [];
    const seenFolders = new Set<string>();
    let token: string | undefined;
    do {
      const maxKeys = Math.min(this.pageSize, limit === Number.POSITIVE_INFINITY ? this.pageSize : limit + 1 - entries.length);
      const continuation = token;
      const page = await this.send('list', undefined, this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.base + folder,
          ...(recursive ? {} : { Delimiter: '/' }),
          MaxKeys: maxKeys,
          ...(continuation !== undefined
            ? { ContinuationToken: continuation }
            : after !== undefined && after !== ''
              ? { StartAfter: this.base + after }
              : {}),
        }),
      ));
      for (const item of page.Contents ?? []) {
        const key = item.Key?.slice(this.base.length);
        // Zero-byte "folder" markers made by consoles end with a slash: they are not files.
        if (!key || key.endsWith('/') || (after !== undefined && compareKeys(key, after) <= 0)) continue;
        entries.push({ sortKey: key, object: { key, size: item.Size ?? 0, modified: item.LastModified ?? new Date(0) } });
      }
      for (const common of page.CommonPrefixes ?? []) {
        const sub = common.Prefix?.slice(this.base.length);
        if (!sub || seenFolders.has(sub) || (after !== undefined && compareKeys(sub, after) <= 0)) continue;
        seenFolders.add(sub);
        entries.push({ sortKey: sub });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined && entries.length <= limit);
    entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    let next: string | undefined;
    if (entries.length > limit) {
      entries.length = limit;
      next = entries[limit - 1]?.sortKey;
    }
    const objects: StoredObject[] = [];
    const folders: string[] = [];
    for (const entry of entries) {
      if (entry.object) objects.push(entry.object);
      else folders.push(entry.sortKey);
    }
    return next === undefined ? { objects, folders } : { objects, folders, next };
  }

  async download(prefix: string, localDir: string): Promise<string[]> {
    return downloadObjects(
      this,
      prefix,
      localDir,
      async (key, destination) => {
        const body = await this.read(key);
        try {
          await pipeline(body, createWriteStream(destination));
        } catch (error) {
          throw this.error(error, `read ${showKey(key)}`, key);
        }
      },
      this.concurrency,
    );
  }

  async move(from: string, to: string): Promise<void> {
    const source = objectKey(from);
    const target = objectKey(to);
    if (target.startsWith(`${source}/`)) {
      throw new AuError('AU_STORAGE_PATH_INVALID', `Cannot move ${showKey(source)} into itself (${showKey(target)}).`, { from: source, to: target });
    }
    const object = await this.stat(source);
    if (object) {
      if (source === target) return;
      if ((await this.list(target, { recursive: true, limit: 1 })).objects.length > 0) {
        throw new AuError('AU_STORAGE_PATH_INVALID', `Cannot move ${showKey(source)} onto ${showKey(target)}: that is a folder in ${this.description}.`, { from: source, to: target });
      }
      await this.moveObject(source, target, object.size);
      return;
    }
    const { objects } = await this.list(source, { recursive: true });
    if (objects.length === 0) {
      throw new AuError('AU_STORAGE_NOT_FOUND', `${showKey(source)} does not exist in ${this.description}.`, { key: source });
    }
    if (source === target) return;
    if ((await this.stat(target)) !== null) {
      throw new AuError('AU_OUTPUT_EXISTS', `Cannot move the folder ${showKey(source)}: ${showKey(target)} already exists as a file in ${this.description}.`, { from: source, to: target });
    }
    if ((await this.list(target, { recursive: true, limit: 1 })).objects.length > 0) {
      throw new AuError('AU_OUTPUT_EXISTS', `Cannot move the folder ${showKey(source)}: the folder ${showKey(target)} already exists and is not empty in ${this.description}.`, { from: source, to: target });
    }
    await eachLimited(objects, this.concurrency, async (item) => {
      await this.moveObject(item.key, `${target}/${item.key.slice(source.length + 1)}`, item.size);
    });
  }

  async delete(key: string): Promise<void> {
    const safe = objectKey(key);
    await this.send(`delete ${showKey(safe)}`, safe, this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.base + safe })));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const safe = safeKey(prefix);
    if (safe === '') {
      throw new AuError('AU_STORAGE_PATH_INVALID', `Refusing to delete everything in ${this.description}: name a folder below the storage root.`, { key: prefix });
    }
    let deleted = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.list(safe, { recursive: true, limit: 1000, ...(after !== undefined ? { after } : {}) });
      if (page.objects.length > 0) {
        const keys = page.objects.map((object) => object.key);
        const answer = await this.send(`delete below ${showKey(safe)}`, safe, this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((key) => ({ Key: this.base + key })), Quiet: true } }),
        ));
        const failure = answer.Errors?.[0];
        if (failure) {
          const failedKey = failure.Key?.slice(this.base.length) ?? safe;
          throw this.error(
            Object.assign(new Error(failure.Message ?? 'delete failed'), { name: failure.Code ?? 'Error', $metadata: { httpStatusCode: failure.Code === 'AccessDenied' ? 403 : 500 } }),
            `delete ${showKey(failedKey)}`,
            failedKey,
          );
        }
        deleted += keys.length;
      }
      if (page.next === undefined) return deleted;
      after = page.next;
    }
  }

  // --- internals

  private error(error: unknown, action: string, key?: string): Error {
    const context: S3ErrorContext = {
      bucket: this.bucket,
      root: this.description,
      endpoint: this.endpoint,
      region: this.settings.region,
      action,
      ...(this.settings.endpointVariable !== undefined ? { endpointVariable: this.settings.endpointVariable } : {}),
      ...(key !== undefined ? { key } : {}),
    };
    return mapS3Error(error, context);
  }

  /** Awaits an S3 request, turning its failure into an AuError (`mapS3Error`). */
  private async send<T>(action: string, key: string | undefined, request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      throw this.error(error, action, key);
    }
  }

  private async put(key: string, bytes: Buffer): Promise<void> {
    await this.send(`write ${showKey(key)}`, key, this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.base + key, Body: bytes, ContentLength: bytes.length }),
    ));
  }

  /** Creates a multipart upload, lets `upload` send the parts, completes it; aborts it on failure. */
  private async multipart(key: string, upload: (uploadPart: (partNumber: number, bytes: Buffer) => Promise<CompletedPart>) => Promise<CompletedPart[]>): Promise<void> {
    const fullKey = this.base + key;
    const action = `write ${showKey(key)}`;
    const created = await this.send(action, key, this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey })));
    const uploadId = created.UploadId;
    if (!uploadId) throw new AuError('AU_STORAGE_FAILED', `S3 did not start a multipart upload for ${showKey(key)} in ${this.description}.`, { key });
    try {
      const parts = await upload(async (partNumber, bytes) => {
        const answer = await this.send(action, key, this.client.send(
          new UploadPartCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId, PartNumber: partNumber, Body: bytes, ContentLength: bytes.length }),
        ));
        return { PartNumber: partNumber, ETag: answer.ETag };
      });
      await this.send(action, key, this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      ));
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId })).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Streams of unknown length: buffered part by part. One PutObject if the stream ends within the first part, else a
   * multipart upload whose part size grows by `partSize` every 1,000 parts (8 MiB parts reach 440 GB in 10,000).
   */
  private async writeStream(key: string, body: NodeJS.ReadableStream): Promise<void> {
    const sizeOf = (partsDone: number): number => this.partSize * (1 + Math.floor(partsDone / 1000));
    const iterator = (body as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let ended = false;
    /** The next part's bytes, or the rest when the stream ends first. */
    const nextPart = async (size: number): Promise<Buffer> => {
      while (!ended && pendingBytes < size) {
        const step = await iterator.next();
        if (step.done) {
          ended = true;
          break;
        }
        const chunk = typeof step.value === 'string' ? Buffer.from(step.value, 'utf8') : step.value;
        pending.push(chunk);
        pendingBytes += chunk.length;
      }
      const all = Buffer.concat(pending);
      const part = all.subarray(0, size);
      const rest = all.subarray(size);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      return part;
    };
    try {
      const first = await nextPart(sizeOf(0));
      if (ended && pendingBytes === 0) {
        await this.put(key, first);
        return;
      }
      await this.multipart(key, async (uploadPart) => {
        const parts: CompletedPart[] = [await uploadPart(1, first)];
        while (!(ended && pendingBytes === 0)) {
          if (parts.length >= MAX_PARTS) {
            throw new AuError('AU_STORAGE_FAILED', `${showKey(key)} is too big for one S3 object.`, { key });
          }
          const bytes = await nextPart(sizeOf(parts.length));
          if (bytes.length === 0) break;
          parts.push(await uploadPart(parts.length + 1, bytes));
        }
        return parts;
      });
    } finally {
      if (!ended) await iterator.return?.();
    }
  }

  private async moveObject(source: string, target: string, size: number): Promise<void> {
    if (size > MAX_COPY_BYTES) {
      throw new AuError('AU_STORAGE_FAILED', `Cannot move ${showKey(source)} in ${this.description}: objects over 5 GiB cannot be copied in one request.`, { key: source, size });
    }
    const copySource = `${this.bucket}/${(this.base + source).split('/').map(encodeURIComponent).join('/')}`;
    await this.send(`move ${showKey(source)}`, source, this.client.send(
      new CopyObjectCommand({ Bucket: this.bucket, Key: this.base + target, CopySource: copySource }),
    ));
    await this.send(`move ${showKey(source)}`, source, this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.base + source })));
  }
}

async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(bytes, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new AuError('AU_STORAGE_FAILED', 'A local file got shorter while it was being uploaded.', {});
    filled += bytesRead;
  }
  return bytes;
}
