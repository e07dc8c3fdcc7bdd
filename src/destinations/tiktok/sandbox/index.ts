import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance } from 'fastify';
import { FaultInjector } from '../../../sandbox/faults.js';
import { installFaults, type PlatformSandbox } from '../../../sandbox/platform.js';
import { TIKTOK_MESSAGES, TiktokApiError, TiktokCode, sendError } from './envelope.js';
import { checkAccessToken, registerTiktokRoutes } from './routes.js';
import { TiktokState } from './state.js';

export interface TiktokSandboxOptions {
  /** access token → advertiser ids it may use */
  accessTokens: Record<string, string[]>;
  /** how long an audience stays "processing" after create/update (default 0 ms); updates during it are refused */
  processingMs?: number;
  /** largest upload accepted (default 1 GB, TikTok's limit) */
  maxFileBytes?: number;
  /** how long an uploaded file path stays usable (default 24 h); older ones get code 40910 */
  fileTtlMs?: number;
}

const ONE_GB = 1024 * 1024 * 1024;
const ONE_DAY_MS = 24 * 60 * 60 * 1000;

/** A fake of TikTok Marketing API v1.3's customer-file custom audiences (platforms.md sections 3 and 7). */
export function createTiktokSandbox(options: TiktokSandboxOptions): PlatformSandbox {
  const maxFileBytes = options.maxFileBytes ?? ONE_GB;
  const faults = new FaultInjector();
  const state = new TiktokState({ processingMs: options.processingMs ?? 0, fileTtlMs: options.fileTtlMs ?? ONE_DAY_MS });
  let requests = 0;

  return {
    platform: 'tiktok',
    faults,

    async register(app: FastifyInstance) {
      // Encapsulated so the fault hook, token check, multipart parser and error envelope touch only TikTok routes.
      await app.register(async (scope) => {
        scope.addHook('onRequest', async () => {
          requests++;
        });
        installFaults(scope, faults, {
          rateLimit: (reply) => sendError(reply, TiktokCode.tooManyRequests, TIKTOK_MESSAGES.tooManyRequests),
          serverError: (reply) => sendError(reply, TiktokCode.systemError, TIKTOK_MESSAGES.systemError),
        });
        scope.addHook('onRequest', async (request) => checkAccessToken(request, options.accessTokens));
        await scope.register(multipart, { limits: { fileSize: maxFileBytes, files: 1, fields: 20 } });
        scope.setErrorHandler((error: FastifyError | TiktokApiError, request, reply) => {
          if (error instanceof TiktokApiError) return sendError(reply, error.code, error.message);
          // Fastify's own refusals (malformed JSON, wrong content type) are parameter errors to a TikTok client.
          if (error.statusCode !== undefined && error.statusCode < 500) {
            return sendError(reply, TiktokCode.parameterError, error.message);
          }
          request.log.error(error);
          return sendError(reply, TiktokCode.systemError, TIKTOK_MESSAGES.systemError);
        });
        registerTiktokRoutes(scope, state, { accessTokens: options.accessTokens, maxFileBytes });
      });
    },

    audiences: () => state.allAudiences(),
    members: (audienceId) => state.members(audienceId),
    stats: () => ({
      requests,
      applied: [...state.applied],
      appliedTwice: [...state.appliedTwice],
      // TikTok has no idempotency keys: a resent update is applied again, never recognized.
      replaysIgnored: state.replaysIgnored,
      faults: { ...faults.counts },
    }),
    reset() {
      state.clear();
      faults.reset();
      requests = 0;
    },
  };
}
