import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** TikTok's codes the sandbox answers with (platforms.md section 3). */
export const TiktokCode = {
  ok: 0,
  noPermission: 40001,
  parameterError: 40002,
  notFound: 40007,
  tooManyRequests: 40100,
  tokenMissing: 40104,
  tokenInvalid: 40105,
  signatureMismatch: 40900,
  emptyFile: 40906,
  fileTooLarge: 40907,
  unsupportedCalculateType: 40909,
  fileExpired: 40910,
  systemError: 50000,
} as const;

export const TIKTOK_MESSAGES = {
  tokenMissing: 'Access token is null, you should set it in http header with key Access-Token.',
  tokenInvalid: 'Access token is invalid',
  tooManyRequests: 'Too many requests. Please retry in some time.',
  systemError: 'System error',
  stillProcessing: 'Custom audience is still processing. Please try again later.',
  belowMinimum: 'The audience size after the update would be less than 1000.',
} as const;

/** A refusal in TikTok's terms; the scope's error handler turns it into the envelope. */
export class TiktokApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'TiktokApiError';
  }
}

export interface TiktokEnvelope {
  code: number;
  message: string;
  request_id: string;
  data: Record<string, unknown>;
}

/** TikTok's request ids are a UTC timestamp followed by random hex; clients only log them. */
function requestId(now = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return stamp + randomBytes(9).toString('hex').toUpperCase();
}

export function envelope(code: number, message: string, data: Record<string, unknown> = {}): TiktokEnvelope {
  return { code, message, request_id: requestId(), data };
}

export const success = (data: Record<string, unknown>): TiktokEnvelope => envelope(TiktokCode.ok, 'OK', data);

/** Errors are HTTP 200 too: clients must judge by `code`, so the sandbox makes them. */
export function sendError(reply: FastifyReply, code: number, message: string): FastifyReply {
  return reply.code(200).type('application/json; charset=utf-8').send(envelope(code, message));
}
