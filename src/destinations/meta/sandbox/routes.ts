import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from '../../../sandbox/faults.js';
import { authenticate, checkVersion, type AuthOptions } from './auth.js';
import { errorEnvelope, GraphError, invalidParameter, objectNotFound, sendGraphError } from './errors.js';
import { checkAudienceFields, readAudience } from './fields.js';
import { fieldsParam, mergedParams, objectParam, stringParam, type GraphParams } from './params.js';
import { checkPayload, checkSession, withRefusedRows, type CheckedPayload, type UploadSession } from './payload.js';
import { CUSTOMER_FILE_SOURCES, type AudienceRecord, type CustomerFileSource, type MetaState } from './state.js';

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;

type VersionParams = { version: string };
type AccountRequest = FastifyRequest<{ Params: VersionParams & { accountId: string } }>;
type AudienceRequest = FastifyRequest<{ Params: VersionParams & { audienceId: string } }>;

/** Meta's quota headers on successful ad-account calls; the sandbox never gets near a limit on its own. */
function withUsage(reply: FastifyReply, account: string): FastifyReply {
  return reply
    .header('x-ad-account-usage', JSON.stringify({ acc_id_util_pct: 1, reset_time_duration: 0 }))
    .header(
      'x-business-use-case-usage',
      JSON.stringify({
        [account]: [{ type: 'custom_audience', call_count: 1, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 0 }],
      }),
    );
}

/** Graph cursors are opaque; the sandbox's carry the id of the audience they point at. */
const encodeCursor = (audienceId: string) => Buffer.from(audienceId).toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d+$/.test(id)) throw invalidParameter('Invalid cursor');
  return id;
}

function pageSize(params: GraphParams): number {
  const raw = stringParam(params, 'limit');
  if (raw === undefined || raw === '') return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw invalidParameter('Param limit must be a positive integer');
  return Math.min(Number(raw), MAX_PAGE_SIZE);
}

/** The same request with `after` moved on: the query string is kept (Graph keeps access_token in it too). */
function nextPageUrl(request: FastifyRequest, after: string, limit: number): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (name === 'after' || name === 'before' || name === 'limit') continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(name, String(item));
  }
  query.set('limit', String(limit));
  query.set('after', after);
  const path = request.url.split('?')[0] ?? request.url;
  return `${request.protocol}://${request.host}${path}?${query.toString()}`;
}

function checkedPayload(params: GraphParams): CheckedPayload {
  const checked = checkPayload(objectParam(params, 'payload'));
  if (!checked.ok) throw invalidParameter(checked.message);
  return checked.value;
}

function checkedSession(params: GraphParams, required: boolean): UploadSession | undefined {
  const raw = objectParam(params, 'session');
  if (raw === undefined || raw === null) {
    if (required) throw invalidParameter('The parameter session is required');
    return undefined;
  }
  const checked = checkSession(raw);
  if (!checked.ok) throw invalidParameter(checked.message);
  return checked.value;
}

/**
 * Meta's customer-file custom audience routes under /vNN.N/. Every handler checks the version and the token first;
 * errors are thrown as GraphError and answered by the scope's error handler in Meta's envelope.
 */
export function registerMetaRoutes(scope: FastifyInstance, state: MetaState, auth: AuthOptions, faults: FaultInjector): void {
  const begin = (request: FastifyRequest<{ Params: VersionParams }>) => {
    checkVersion(request.params.version, request.url);
    const params = mergedParams(request);
    return { params, accounts: authenticate(request, params, auth) };
  };

  const ownAccount = (request: AccountRequest, accounts: ReadonlySet<string>): string => {
    const account = request.params.accountId;
    if (!/^\d+$/.test(account) || !accounts.has(account)) throw objectNotFound(request.method, `act_${account}`);
    return account;
  };

  /** An audience of another account is answered as missing, as Graph does. */
  const ownAudience = (request: AudienceRequest, accounts: ReadonlySet<string>): AudienceRecord => {
    const id = request.params.audienceId;
    const audience = state.audience(id);
    if (audience === undefined || !accounts.has(audience.account)) throw objectNotFound(request.method, id);
    return audience;
  };

  scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof GraphError) return sendGraphError(reply, error);
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // Body parsing and size errors: Graph answers malformed input as a parameter error.
      return reply.code(status === 413 ? 413 : 400).send(errorEnvelope({ message: `(#100) ${error.message}`, code: 100 }));
    }
    request.log.error(error);
    return reply.code(500).send(errorEnvelope({ message: 'An unknown error occurred', code: 1, is_transient: true }));
  });

  scope.post('/:version/act_:accountId/customaudiences', async (request: AccountRequest, reply) => {
    const { params, accounts } = begin(request);
    const account = ownAccount(request, accounts);
    const name = stringParam(params, 'name');
    if (!name?.trim()) throw invalidParameter('The parameter name is required');
    // Customer-file audiences only: other subtypes (WEBSITE, LOOKALIKE, ...) are outside the sandbox.
    const subtype = stringParam(params, 'subtype') ?? 'CUSTOM';
    if (subtype !== 'CUSTOM') throw invalidParameter('subtype must be one of the following values: CUSTOM');
    const source = stringParam(params, 'customer_file_source');
    if (!source) throw invalidParameter('The parameter customer_file_source is required');
    if (!(CUSTOMER_FILE_SOURCES as readonly string[]).includes(source)) {
      throw invalidParameter(`customer_file_source must be one of the following values: ${CUSTOMER_FILE_SOURCES.join(', ')}`);
    }
    const description = stringParam(params, 'description');
    const audience = state.createAudience(account, {
      name,
      customerFileSource: source as CustomerFileSource,
      ...(description === undefined ? {} : { description }),
    });
    return withUsage(reply, account).send({ id: audience.id });
  });

  scope.get('/:version/act_:accountId/customaudiences', async (request: AccountRequest, reply) => {
    const { params, accounts } = begin(request);
    const account = ownAccount(request, accounts);
    const fields = fieldsParam(params);
    checkAudienceFields(fields);
    const limit = pageSize(params);
    // `filtering` and other list parameters are accepted and ignored.
    const all = state.audiencesOf(account);
    const after = stringParam(params, 'after');
    let start = 0;
    if (after) {
      const afterId = decodeCursor(after);
      const index = all.findIndex((audience) => audience.id === afterId);
      if (index < 0) throw invalidParameter('Invalid cursor');
      start = index + 1;
    }
    const page = all.slice(start, start + limit);
    const data = page.map((audience) => readAudience(audience, fields, state.openReplaceSession(audience) !== undefined));
    const first = page[0];
    const last = page.at(-1);
    if (first === undefined || last === undefined) return withUsage(reply, account).send({ data });
    const paging: { cursors: { before: string; after: string }; next?: string } = {
      cursors: { before: encodeCursor(first.id), after: encodeCursor(last.id) },
    };
    if (start + page.length < all.length) paging.next = nextPageUrl(request, paging.cursors.after, limit);
    return withUsage(reply, account).send({ data, paging });
  });

  scope.get('/:version/:audienceId', async (request: AudienceRequest, reply) => {
    const { params, accounts } = begin(request);
    const audience = ownAudience(request, accounts);
    const fields = fieldsParam(params);
    checkAudienceFields(fields);
    const replacing = state.openReplaceSession(audience) !== undefined;
    return withUsage(reply, audience.account).send(readAudience(audience, fields, replacing));
  });

  const users = (operation: 'add' | 'remove') => async (request: AudienceRequest, reply: FastifyReply) => {
    const { params, accounts } = begin(request);
    const audience = ownAudience(request, accounts);
    const payload = withRefusedRows(checkedPayload(params), () => faults.refusesRow());
    const session = checkedSession(params, false);
    return withUsage(reply, audience.account).send(state.applyUsers(audience, operation, payload, session));
  };
  scope.post('/:version/:audienceId/users', users('add'));
  scope.delete('/:version/:audienceId/users', users('remove'));

  scope.post('/:version/:audienceId/usersreplace', async (request: AudienceRequest, reply) => {
    const { params, accounts } = begin(request);
    const audience = ownAudience(request, accounts);
    const payload = withRefusedRows(checkedPayload(params), () => faults.refusesRow());
    const session = checkedSession(params, true) as UploadSession;
    return withUsage(reply, audience.account).send(state.applyReplace(audience, payload, session));
  });
}
