import type { Interpretation } from '../http/caller.js';
import type { HttpRequest, HttpResponse } from '../http/transport.js';
import { classifyTiktokCode } from './errors.js';

/** TikTok Marketing API v1.3 paths (platforms.md section 3); the trailing slashes are part of them. */
export const TIKTOK_PATHS = {
  upload: 'dmp/custom_audience/file/upload/',
  create: 'dmp/custom_audience/create/',
  update: 'dmp/custom_audience/update/',
  list: 'dmp/custom_audience/list/',
  get: 'dmp/custom_audience/get/',
  delete: 'dmp/custom_audience/delete/',
} as const;

export const TIKTOK_DEFAULT_BASE_URL = 'https://business-api.tiktok.com';
/** Page size for name lookups: TikTok's largest. */
export const TIKTOK_PAGE_SIZE = 100;

export interface TiktokAudienceItem {
  audience_id: string;
  name: string;
  calculate_type?: string;
  cover_num?: number;
  is_valid?: boolean;
  create_time?: string;
}

export interface TiktokApi {
  baseUrl: string;
  accessToken: string;
  advertiserId: string;
}

export function tiktokUrl(api: TiktokApi, path: string, query?: Record<string, string>): string {
  const url = new URL(`open_api/v1.3/${path}`, api.baseUrl.endsWith('/') ? api.baseUrl : `${api.baseUrl}/`);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url.toString();
}

export function tiktokJsonRequest(api: TiktokApi, path: string, label: string, body: Record<string, unknown>): HttpRequest {
  return {
    method: 'POST',
    url: tiktokUrl(api, path),
    headers: { 'Access-Token': api.accessToken, 'Content-Type': 'application/json' },
    body: JSON.stringify({ advertiser_id: api.advertiserId, ...body }),
    label,
  };
}

export function tiktokGetRequest(api: TiktokApi, path: string, label: string, query: Record<string, string>): HttpRequest {
  return {
    method: 'GET',
    url: tiktokUrl(api, path, { advertiser_id: api.advertiserId, ...query }),
    headers: { 'Access-Token': api.accessToken },
    label,
  };
}

export function tiktokUploadRequest(api: TiktokApi, file: { name: string; bytes: Uint8Array; md5: string }, calculateType: string): HttpRequest {
  const form = new FormData();
  form.set('advertiser_id', api.advertiserId);
  form.set('calculate_type', calculateType);
  form.set('file_signature', file.md5);
  form.set('file', new Blob([file.bytes], { type: 'text/csv' }), file.name);
  return { method: 'POST', url: tiktokUrl(api, TIKTOK_PATHS.upload), headers: { 'Access-Token': api.accessToken }, body: form, label: 'upload-file' };
}

/**
 * Reads TikTok's envelope: success is `code === 0`, whatever the HTTP status says; an answer that is not the
 * envelope (an HTML error page, a proxy's 502) is transient.
 */
export function interpretTiktok<T>(response: HttpResponse, pick: (data: Record<string, unknown>) => T): Interpretation<T> {
  let envelope: { code?: unknown; message?: unknown; data?: unknown };
  try {
    envelope = JSON.parse(response.text) as typeof envelope;
  } catch {
    return garbage(response);
  }
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.code !== 'number') return garbage(response);
  if (envelope.code !== 0) return classifyTiktokCode(envelope.code, typeof envelope.message === 'string' ? envelope.message : '');
  const data = (typeof envelope.data === 'object' && envelope.data !== null ? envelope.data : {}) as Record<string, unknown>;
  try {
    return { ok: true, value: pick(data) };
  } catch (error) {
    return { ok: false, disposition: 'fail', code: 'AU_PLATFORM_REJECTED', message: `TikTok's answer lacks an expected field: ${(error as Error).message}` };
  }
}

function garbage(response: HttpResponse): Interpretation<never> {
  const type = response.headers.get('content-type') ?? 'no content type';
  return {
    ok: false,
    disposition: 'retry',
    code: 'AU_PLATFORM_UNAVAILABLE',
    message: `TikTok answered HTTP ${response.status} (${type.split(';')[0]}) instead of its JSON envelope`,
  };
}

export function requireString(data: Record<string, unknown>, field: string): string {
  const value = data[field];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(field);
}
