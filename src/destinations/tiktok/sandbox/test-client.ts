import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { PlatformSandbox } from '../../../sandbox/platform.js';
import { createTiktokSandbox, type TiktokSandboxOptions } from './index.js';
import { TIKTOK_API_PREFIX } from './routes.js';

/** Helpers for the sandbox's tests: synthetic hashes and a client that speaks TikTok's wire format through inject. */

export const TOKEN = 'test-token-a';
export const OTHER_TOKEN = 'test-token-b';
export const ADVERTISER = '7000000000000000011';
export const OTHER_ADVERTISER = '7000000000000000012';

/** Synthetic SHA-256 hashes: hashes of counters, never of anything resembling a person. */
export function syntheticHashes(label: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, index) => sha256(`synthetic:${label}:${from + index}`));
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const md5 = (bytes: string | Uint8Array) => createHash('md5').update(bytes).digest('hex');

export interface Answer {
  httpStatus: number;
  code: number;
  message: string;
  request_id: string;
  data: Record<string, unknown>;
}

export interface UploadInput {
  content: string | Uint8Array;
  calculateType?: string;
  advertiserId?: string;
  /** Defaults to the right MD5; `null` leaves the field out. */
  signature?: string | null;
  token?: string;
}

export class TestClient {
  readonly app: FastifyInstance;
  readonly sandbox: PlatformSandbox;

  private constructor(app: FastifyInstance, sandbox: PlatformSandbox) {
    this.app = app;
    this.sandbox = sandbox;
  }

  static async start(options: Partial<TiktokSandboxOptions> = {}): Promise<TestClient> {
    const sandbox = createTiktokSandbox({
      accessTokens: { [TOKEN]: [ADVERTISER], [OTHER_TOKEN]: [OTHER_ADVERTISER, ADVERTISER] },
      ...options,
    });
    // The fault tests leave fetch's spare keep-alive sockets open; close them instead of waiting for their timeout.
    const app = Fastify({ forceCloseConnections: true });
    await sandbox.register(app);
    await app.ready();
    return new TestClient(app, sandbox);
  }

  async upload(input: UploadInput): Promise<Answer> {
    const form = new FormData();
    form.append('advertiser_id', input.advertiserId ?? ADVERTISER);
    form.append('calculate_type', input.calculateType ?? 'EMAIL_SHA256');
    const bytes = typeof input.content === 'string' ? new TextEncoder().encode(input.content) : input.content;
    if (input.signature !== null) form.append('file_signature', input.signature ?? md5(bytes));
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'text/csv' }), 'audience.csv');
    const request = new Request('http://sandbox.test/', { method: 'POST', body: form });
    const response = await this.app.inject({
      method: 'POST',
      url: `${TIKTOK_API_PREFIX}dmp/custom_audience/file/upload/`,
      headers: { 'access-token': input.token ?? TOKEN, 'content-type': request.headers.get('content-type') ?? '' },
      payload: Buffer.from(await request.arrayBuffer()),
    });
    return answer(response.statusCode, response.body);
  }

  /** Uploads the lines as a file and returns its path, failing loudly if TikTok would refuse it. */
  async uploadLines(lines: readonly string[], calculateType = 'EMAIL_SHA256', advertiserId = ADVERTISER): Promise<string> {
    const uploaded = await this.upload({ content: `${lines.join('\n')}\n`, calculateType, advertiserId, token: OTHER_TOKEN });
    if (uploaded.code !== 0) throw new Error(`upload refused: ${uploaded.code} ${uploaded.message}`);
    return uploaded.data.file_path as string;
  }

  async post(path: string, body: unknown, token: string | null = TOKEN): Promise<Answer> {
    const response = await this.app.inject({
      method: 'POST',
      url: `${TIKTOK_API_PREFIX}${path}`,
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { 'access-token': token }) },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return answer(response.statusCode, response.body);
  }

  async get(path: string, query: Record<string, string>, token: string | null = TOKEN): Promise<Answer> {
    const response = await this.app.inject({
      method: 'GET',
      url: `${TIKTOK_API_PREFIX}${path}`,
      query,
      headers: token === null ? {} : { 'access-token': token },
    });
    return answer(response.statusCode, response.body);
  }

  async create(filePaths: string[], name = 'synthetic audience', calculateType = 'EMAIL_SHA256'): Promise<Answer> {
    return this.post('dmp/custom_audience/create/', {
      advertiser_id: ADVERTISER,
      custom_audience_name: name,
      file_paths: filePaths,
      calculate_type: calculateType,
    });
  }

  /** Creates an audience from the lines and returns its id. */
  async createFrom(lines: readonly string[], name = 'synthetic audience', calculateType = 'EMAIL_SHA256'): Promise<string> {
    const created = await this.create([await this.uploadLines(lines, calculateType)], name, calculateType);
    if (created.code !== 0) throw new Error(`create refused: ${created.code} ${created.message}`);
    return created.data.custom_audience_id as string;
  }

  async update(audienceId: string, filePaths: string[], action?: string): Promise<Answer> {
    return this.post('dmp/custom_audience/update/', {
      advertiser_id: ADVERTISER,
      custom_audience_id: audienceId,
      file_paths: filePaths,
      ...(action === undefined ? {} : { action }),
    });
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

function answer(httpStatus: number, body: string): Answer {
  return { httpStatus, ...(JSON.parse(body) as Omit<Answer, 'httpStatus'>) };
}
