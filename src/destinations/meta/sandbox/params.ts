import type { FastifyRequest } from 'fastify';
import { invalidParameter } from './errors.js';

/** Graph parameters from the query string and the body merged (the body wins), as Graph treats them alike. */
export type GraphParams = Record<string, unknown>;

export function mergedParams(request: FastifyRequest): GraphParams {
  const query = (request.query ?? {}) as GraphParams;
  const body = request.body;
  const fromBody = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as GraphParams) : {};
  return { ...query, ...fromBody };
}

/**
 * JSON.parse, except that integer session ids are read as strings: Meta's session ids are 64-bit, and a client that
 * sends a random one as a JSON number would otherwise be rounded into another client's session.
 */
export function parseGraphJson(text: string): unknown {
  return JSON.parse(text.replace(/("session_id"\s*:\s*)(\d+)/g, '$1"$2"'));
}

/** An object parameter (`payload`, `session`): a JSON string in query and form bodies, an object or string in JSON. */
export function objectParam(params: GraphParams, name: string): unknown {
  const value = params[name];
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  try {
    return parseGraphJson(value);
  } catch {
    throw invalidParameter(`Param ${name} must be a valid JSON object`);
  }
}

/** A scalar parameter as a string; repeated form fields keep the last value. */
export function stringParam(params: GraphParams, name: string): string | undefined {
  let value = params[name];
  if (Array.isArray(value)) value = value.at(-1);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalidParameter(`Param ${name} must be a string`);
}

/** `fields=id,name` (or a JSON array of names); nested field syntax such as `adaccounts{id}` is not supported. */
export function fieldsParam(params: GraphParams): string[] {
  const value = params.fields;
  const names = Array.isArray(value) ? value.map(String) : (stringParam(params, 'fields') ?? '').split(',');
  return names.map((name) => name.trim()).filter((name) => name !== '');
}
