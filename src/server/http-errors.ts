import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AuError, isAuError, type ErrorCode } from '../errors.js';

/**
 * The HTTP status of each error code the API can answer with. Codes not listed are 400 (the request asked for
 * something that cannot be done) when they name bad input, else 500.
 */
const STATUS: Partial<Record<ErrorCode, number>> = {
  AU_UNAUTHENTICATED: 401,
  AU_LOGIN_FAILED: 401,
  AU_FORBIDDEN: 403,
  AU_CSRF: 403,
  AU_PASSWORD_CHANGE_REQUIRED: 403,
  AU_RATE_LIMITED: 429,
  AU_NOT_FOUND: 404,
  AU_USER_NOT_FOUND: 404,
  AU_DATASET_NOT_FOUND: 404,
  AU_JOB_NOT_FOUND: 404,
  AU_DESTINATION_NOT_FOUND: 404,
  AU_SCHEDULE_NOT_FOUND: 404,
  AU_STORAGE_NOT_FOUND: 404,
  AU_INPUT_NOT_FOUND: 404,
  AU_AUDIENCE_NOT_FOUND: 404,
  AU_ALREADY_EXISTS: 409,
  AU_JOB_STATE: 409,
  AU_DESTINATION_IN_USE: 409,
  AU_AUDIENCE_BUSY: 409,
  AU_AUDIENCE_AMBIGUOUS: 409,
  AU_FILE_TOO_LARGE: 413,
  AU_FILE_TYPE: 415,
  // the platform refused what the user gave it (credentials, account): the request is well formed but unusable
  AU_AUTH_FAILED: 422,
  AU_PERMISSION_DENIED: 422,
  AU_CREDENTIALS_MISSING: 422,
  AU_PLATFORM_REJECTED: 422,
  AU_PLATFORM_UNAVAILABLE: 502,
  AU_STORAGE_UNAVAILABLE: 502,
  AU_STORAGE_DENIED: 502,
  AU_DB_UNAVAILABLE: 503,
  AU_INTERNAL: 500,
  AU_STORAGE_FAILED: 500,
  AU_VAULT_KEY_MISMATCH: 500,
  AU_VAULT_CORRUPT: 500,
  AU_DB_MIGRATION_FAILED: 500,
  AU_DB_SCHEMA_NEWER: 500,
  AU_UPLOAD_INCOMPLETE: 500,
  AU_JOB_TIMEOUT: 504,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 400;
}

/** The body of every error answer: Fastify's shape, with our code. `details` names fields, files, rows; never values. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

const REASON: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function errorBody(error: AuError): ErrorBody {
  const statusCode = statusOf(error.code);
  const body: ErrorBody = { statusCode, code: error.code, error: REASON[statusCode] ?? 'Error', message: error.message };
  if (Object.keys(error.details).length > 0) body.details = error.details;
  return body;
}

/** The JSON 404 of an unknown route. */
export function notFoundBody(request: FastifyRequest): ErrorBody {
  return errorBody(new AuError('AU_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
}

/**
 * Turns whatever a route throws into an ErrorBody; unexpected errors are logged and answered without their text.
 * Unknown routes answer a JSON 404, unless `notFound: false` (the web app installs its own, which falls back to
 * the single-page app's index.html for browser paths).
 */
export function installErrorHandler(app: FastifyInstance, options: { notFound?: boolean } = {}): void {
  app.setErrorHandler((error: FastifyError | AuError | Error, request, reply) => {
    if (isAuError(error)) return reply.code(statusOf(error.code)).send(errorBody(error));
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((issue) => ({ field: `${error.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}`, message: issue.message }));
      const first = issues[0];
      const auError = new AuError('AU_VALIDATION', first ? `${first.field}: ${first.message}` : 'the request does not match its schema', { issues });
      return reply.code(400).send(errorBody(auError));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.statusCode === 429) return reply.code(429).send(errorBody(new AuError('AU_RATE_LIMITED', error.message)));
    if (fastifyError.code === 'FST_REQ_FILE_TOO_LARGE' || fastifyError.statusCode === 413) {
      return reply.code(413).send(errorBody(new AuError('AU_FILE_TOO_LARGE', error.message)));
    }
    if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return reply.code(fastifyError.statusCode).send({ statusCode: fastifyError.statusCode, code: 'AU_VALIDATION', error: REASON[fastifyError.statusCode] ?? 'Error', message: error.message });
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send(errorBody(new AuError('AU_INTERNAL', 'internal error; the server log has the details')));
  });
  if (options.notFound !== false) app.setNotFoundHandler((request, reply) => reply.code(404).send(notFoundBody(request)));
}
