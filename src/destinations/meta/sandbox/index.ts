import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FaultInjector } from '../../../sandbox/faults.js';
import { installFaults, type PlatformSandbox } from '../../../sandbox/platform.js';
import { metaFaultAnswers } from './errors.js';
import { parseGraphJson } from './params.js';
import { registerMetaRoutes } from './routes.js';
import { MetaState } from './state.js';

export interface MetaSandboxOptions {
  /** access token → ad account ids (digits, without act_) it may use */
  accessTokens: Record<string, string[]>;
  /** when set, every request must carry appsecret_proof = hex HMAC-SHA256(key = app secret, message = access token) */
  appSecret?: string;
  /** a usersreplace session expires this long after its first batch (default 90 min) */
  replaceSessionTimeoutMs?: number;
  /** ad accounts that have not accepted the custom audience terms (create/add answer code 200 subcode 1870090) */
  termsNotAccepted?: string[];
  /** most customer-file audiences per ad account (default 500) */
  maxAudiencesPerAccount?: number;
}

const DEFAULT_REPLACE_SESSION_TIMEOUT_MS = 90 * 60 * 1000;
const DEFAULT_MAX_AUDIENCES_PER_ACCOUNT = 500;

/** A faithful fake of Meta's Graph API for customer-file custom audiences (platforms.md sections 4 and 7). */
export function createMetaSandbox(options: MetaSandboxOptions): PlatformSandbox {
  const faults = new FaultInjector();
  const state = new MetaState({
    replaceSessionTimeoutMs: options.replaceSessionTimeoutMs ?? DEFAULT_REPLACE_SESSION_TIMEOUT_MS,
    maxAudiencesPerAccount: options.maxAudiencesPerAccount ?? DEFAULT_MAX_AUDIENCES_PER_ACCOUNT,
    termsNotAccepted: options.termsNotAccepted ?? [],
  });
  const auth = {
    accessTokens: options.accessTokens,
    ...(options.appSecret === undefined ? {} : { appSecret: options.appSecret }),
  };

  /** The ad account a faulted request was about, for the rate-limit usage header. */
  const accountOf = (reply: FastifyReply): string => {
    const params = (reply.request.params ?? {}) as { accountId?: string; audienceId?: string };
    if (params.accountId !== undefined) return params.accountId;
    return (params.audienceId && state.audience(params.audienceId)?.account) || 'unknown';
  };

  return {
    platform: 'meta',
    faults,
    async register(app: FastifyInstance) {
      await app.register(async (scope) => {
        await scope.register(formbody);
        // Graph's own JSON reading: 64-bit session ids stay exact, and an empty JSON body (DELETE) is no error.
        scope.removeContentTypeParser('application/json');
        scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
          const text = String(body);
          if (text.trim() === '') return done(null, {});
          try {
            done(null, parseGraphJson(text));
          } catch (error) {
            done(Object.assign(error as Error, { statusCode: 400 }), undefined);
          }
        });
        // Counted before the fault hook so faulted requests count too.
        scope.addHook('onRequest', async () => {
          state.requests++;
        });
        installFaults(scope, faults, metaFaultAnswers(accountOf));
        registerMetaRoutes(scope, state, auth, faults);
      });
    },
    audiences: () => state.list(),
    members(audienceId) {
      const audience = state.audience(audienceId);
      return audience ? [...audience.members].sort() : null;
    },
    stats: () => ({
      requests: state.requests,
      applied: [...state.applied],
      appliedTwice: [...state.appliedTwice],
      replaysIgnored: state.replaysIgnored,
      faults: { ...faults.counts },
    }),
    reset() {
      state.reset();
      faults.reset();
    },
  };
}
