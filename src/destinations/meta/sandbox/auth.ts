import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GraphError } from './errors.js';
import { stringParam, type GraphParams } from './params.js';

const VERSION = /^v\d+\.\d+$/;

export function checkVersion(version: string, path: string): void {
  if (!VERSION.test(version)) {
    // Graph reads an unknown first segment as an object id and the rest as unknown path components.
    throw new GraphError({ message: `Unknown path components: ${path.split('?')[0] ?? path}`, code: 2500 });
  }
}

export interface AuthOptions {
  accessTokens: Record<string, string[]>;
  appSecret?: string;
}

export function appSecretProof(appSecret: string, accessToken: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Checks the access token (and appsecret_proof when an app secret is set); returns the ad accounts it may use. */
export function authenticate(request: FastifyRequest, params: GraphParams, options: AuthOptions): ReadonlySet<string> {
  const token = stringParam(params, 'access_token') || bearerToken(request);
  if (!token) {
    throw new GraphError({ message: 'An access token is required to request this resource.', code: 104 });
  }
  const accounts = options.accessTokens[token];
  if (accounts === undefined) {
    throw new GraphError({ message: 'Invalid OAuth access token - Cannot parse access token', code: 190 });
  }
  if (options.appSecret !== undefined) {
    const expected = Buffer.from(appSecretProof(options.appSecret, token));
    const given = Buffer.from((stringParam(params, 'appsecret_proof') ?? '').toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new GraphError({
        message: 'Invalid appsecret_proof provided in the API argument',
        type: 'GraphMethodException',
        code: 100,
      });
    }
  }
  return new Set(accounts);
}
