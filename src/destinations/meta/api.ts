import { createHmac } from 'node:crypto';
import type { Interpretation } from '../http/caller.js';
import type { HttpRequest, HttpResponse } from '../http/transport.js';
import { classifyMetaError, metaWaitHint, type MetaErrorBody } from './errors.js';

export const META_DEFAULT_BASE_URL = 'https://graph.facebook.com';
export const META_DEFAULT_API_VERSION = 'v25.0';
export const META_PAGE_SIZE = 100;
export const META_AUDIENCE_FIELDS = 'id,name,account_id,approximate_count_lower_bound,approximate_count_upper_bound,operation_status';

export interface MetaApi {
  baseUrl: string;
  version: string;
  accessToken: string;
  adAccountId: string;
  appSecret?: string;
}

/** hex HMAC-SHA256 of the token keyed by the app secret: proves the caller holds the app secret too. */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

export function metaUrl(api: MetaApi, path: string, query: Record<string, string> = {}): string {
  const url = new URL(`${api.version}/${path}`, api.baseUrl.endsWith('/') ? api.baseUrl : `${api.baseUrl}/`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  if (api.appSecret) url.searchParams.set('appsecret_proof', appSecretProof(api.accessToken, api.appSecret));
  return url.toString();
}

/** The token travels in the Authorization header, never in a URL that could end up in a log. */
export function metaRequest(api: MetaApi, method: HttpRequest['method'], path: string, label: string, options: { query?: Record<string, string>; body?: unknown } = {}): HttpRequest {
  const headers: Record<string, string> = { Authorization: `Bearer ${api.accessToken}` };
  const request: HttpRequest = { method, url: metaUrl(api, path, options.query), headers, label };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    request.body = JSON.stringify(options.body);
  }
  return request;
}

export function interpretMeta<T>(response: HttpResponse, adAccountId: string, pick: (body: Record<string, unknown>) => T): Interpretation<T> {
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return garbage(response);
  }
  if (typeof body !== 'object' || body === null) return garbage(response);
  const error = (body as { error?: MetaErrorBody }).error;
  if (error && typeof error === 'object') return classifyMetaError(error, metaWaitHint(response.headers), adAccountId);
  if (response.status >= 500) return garbage(response);
  if (response.status >= 400) {
    return { ok: false, disposition: 'fail', code: 'AU_PLATFORM_REJECTED', message: `Meta answered HTTP ${response.status} without an error description` };
  }
  try {
    return { ok: true, value: pick(body as Record<string, unknown>) };
  } catch (cause) {
    return { ok: false, disposition: 'fail', code: 'AU_PLATFORM_REJECTED', message: `Meta's answer lacks an expected field: ${(cause as Error).message}` };
  }
}

function garbage(response: HttpResponse): Interpretation<never> {
  const type = response.headers.get('content-type') ?? 'no content type';
  return { ok: false, disposition: 'retry', code: 'AU_PLATFORM_UNAVAILABLE', message: `Meta answered HTTP ${response.status} (${type.split(';')[0]}) instead of JSON` };
}
