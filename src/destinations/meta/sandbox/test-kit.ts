/** Shared set-up for the Meta sandbox tests: a Fastify app with the sandbox mounted, synthetic hashes, request helpers. */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import type { PlatformSandbox } from '../../../sandbox/platform.js';
import { createMetaSandbox, type MetaSandboxOptions } from './index.js';

export const TOKEN = 'meta-test-token';
export const ACCOUNT = '1000000000000001';
export const SECOND_ACCOUNT = '1000000000000002';
/** Belongs to another token: the test token may not see it. */
export const FOREIGN_ACCOUNT = '1000000000000009';
export const FOREIGN_TOKEN = 'meta-other-token';
export const VERSION = 'v25.0';

export interface TestSandbox {
  app: FastifyInstance;
  sandbox: PlatformSandbox;
}

export async function startSandbox(options: Partial<MetaSandboxOptions> = {}): Promise<TestSandbox> {
  const sandbox = createMetaSandbox({
    accessTokens: { [TOKEN]: [ACCOUNT, SECOND_ACCOUNT], [FOREIGN_TOKEN]: [FOREIGN_ACCOUNT] },
    ...options,
  });
  // Same body limit as the shared sandbox server: full 10,000-row batches are several MB.
  const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  await sandbox.register(app);
  await app.ready();
  return { app, sandbox };
}

/** A synthetic SHA-256 digest: the hash of a generated label, never of real personal data. */
export const syntheticHash = (label: string): string => createHash('sha256').update(label).digest('hex');

export const syntheticHashes = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, index) => syntheticHash(`${prefix}-${index}`));

type Method = 'GET' | 'POST' | 'DELETE';

/** A Graph call with a JSON body (or the query string for GET); the test token unless `access_token` is given. */
export function graph(
  app: FastifyInstance,
  method: Method,
  path: string,
  params: Record<string, unknown> = {},
): Promise<LightMyRequestResponse> {
  const withToken = { access_token: TOKEN, ...params };
  const url = `/${VERSION}/${path}`;
  if (method === 'GET') {
    const query = Object.fromEntries(Object.entries(withToken).map(([name, value]) => [name, String(value)]));
    return app.inject({ method, url, query });
  }
  return app.inject({ method, url, payload: withToken });
}

/** The same call form-encoded, object parameters as JSON strings, as the official SDKs send them. */
export function graphForm(
  app: FastifyInstance,
  method: Method,
  path: string,
  params: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries({ access_token: TOKEN, ...params })) {
    form.set(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return app.inject({
    method,
    url: `/${VERSION}/${path}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  });
}

export async function createAudience(app: FastifyInstance, name = 'synthetic audience', account = ACCOUNT): Promise<string> {
  const response = await graph(app, 'POST', `act_${account}/customaudiences`, {
    name,
    subtype: 'CUSTOM',
    customer_file_source: 'USER_PROVIDED_ONLY',
  });
  if (response.statusCode !== 200) throw new Error(`create failed: ${response.body}`);
  return response.json<{ id: string }>().id;
}

/** The error envelope's fields, for compact assertions. */
export function graphError(response: LightMyRequestResponse): { status: number; code: number; subcode?: number; message: string } {
  const { error } = response.json<{ error: { code: number; error_subcode?: number; message: string } }>();
  return {
    status: response.statusCode,
    code: error.code,
    ...(error.error_subcode === undefined ? {} : { subcode: error.error_subcode }),
    message: error.message,
  };
}
