import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { FaultAnswers } from '../../../sandbox/platform.js';

/** Graph API error body fields; `type` is OAuthException for most errors, GraphMethodException for object lookups. */
export interface GraphErrorFields {
  message: string;
  code: number;
  type?: 'OAuthException' | 'GraphMethodException';
  error_subcode?: number;
  error_user_title?: string;
  error_user_msg?: string;
  is_transient?: boolean;
}

/** Thrown by handlers and turned into Meta's error envelope by the scope's error handler. */
export class GraphError extends Error {
  constructor(
    readonly fields: GraphErrorFields,
    readonly httpStatus = 400,
  ) {
    super(fields.message);
  }
}

/** Meta's trace ids are opaque base64-ish strings; clients only log them. */
export function fbtraceId(): string {
  return randomBytes(8).toString('base64url');
}

export function errorEnvelope(fields: GraphErrorFields): { error: Record<string, unknown> } {
  const { message, type = 'OAuthException', ...rest } = fields;
  return { error: { message, type, ...rest, fbtrace_id: fbtraceId() } };
}

export function sendGraphError(reply: FastifyReply, error: GraphError): FastifyReply {
  return reply.code(error.httpStatus).send(errorEnvelope(error.fields));
}

/** `(#100) ...` parameter errors: the whole request is refused and nothing is applied. */
export function invalidParameter(message: string): GraphError {
  return new GraphError({ message: `(#100) ${message}`, code: 100 });
}

const OBJECT_DOCS = 'Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api';

/** What Meta answers for an id that does not exist and for one the token may not see: the two are indistinguishable. */
export function objectNotFound(method: string, id: string): GraphError {
  return new GraphError({
    message:
      `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to ` +
      `missing permissions, or does not support this operation. ${OBJECT_DOCS}`,
    type: 'GraphMethodException',
    code: 100,
    error_subcode: 33,
  });
}

export function termsNotAccepted(accountId: string): GraphError {
  return new GraphError({
    message: '(#200) Permissions error',
    code: 200,
    error_subcode: 1870090,
    error_user_title: 'Custom Audience Terms Not Accepted',
    error_user_msg:
      'You need to accept the Custom Audience Terms before you can create or edit an audience. To accept, go to ' +
      `https://business.facebook.com/ads/manage/customaudiences/tos/?act=${accountId}`,
  });
}

/** Subcodes of code 2650, the customer-file upload errors (platforms.md section 4). */
export const SESSION_SUBCODES = {
  updateInProgress: 1870145,
  firstBatchNotOne: 1870147,
  sessionTimedOut: 1870158,
  sessionFinished: 1870159,
} as const;

const SESSION_ERROR_TEXT: Record<keyof typeof SESSION_SUBCODES, [title: string, message: string]> = {
  updateInProgress: [
    'Audience Update In Progress',
    'This audience is being replaced by another session. Wait for it to finish or time out, then try again.',
  ],
  firstBatchNotOne: ['Invalid Batch Sequence', 'The first batch of a new replace session must have batch_seq 1.'],
  sessionTimedOut: ['Session Timed Out', 'This replace session timed out. Start a new session with batch_seq 1.'],
  sessionFinished: [
    'Session Already Finished',
    'This replace session already received its last batch. Start a new session to send more users.',
  ],
};

export function sessionError(reason: keyof typeof SESSION_SUBCODES): GraphError {
  const [title, userMessage] = SESSION_ERROR_TEXT[reason];
  return new GraphError({
    message: `(#2650) ${title}`,
    code: 2650,
    error_subcode: SESSION_SUBCODES[reason],
    error_user_title: title,
    error_user_msg: userMessage,
  });
}

/** Meta's answers for the shared fault switches; the rate-limit answer names the ad account in its usage header. */
export function metaFaultAnswers(accountOf: (reply: FastifyReply) => string): FaultAnswers {
  return {
    rateLimit: (reply) =>
      reply
        .code(400)
        .header(
          'x-business-use-case-usage',
          JSON.stringify({
            [accountOf(reply)]: [
              { type: 'custom_audience', call_count: 100, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 0 },
            ],
          }),
        )
        .send(
          errorEnvelope({
            message: '(#80003) There have been too many calls to this ad-account. Wait a bit and try again.',
            code: 80003,
            error_subcode: 2446079,
          }),
        ),
    serverError: (reply) =>
      reply.code(500).send(
        errorEnvelope({
          message: 'An unexpected error has occurred. Please retry your request later.',
          is_transient: true,
          code: 2,
        }),
      ),
  };
}
