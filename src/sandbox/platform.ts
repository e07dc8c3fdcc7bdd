import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from './faults.js';

/** One batch the sandbox applied to an audience, so tests can prove no batch took effect twice. */
export interface AppliedBatch {
  audienceId: string;
  /** The platform's idempotency key: TikTok's file path and action, Meta's session id and batch_seq. */
  key: string;
  operation: string;
  rows: number;
}

export interface SandboxAudience {
  id: string;
  name: string;
  /** Account (TikTok advertiser, Meta ad account) that owns it. */
  account: string;
  size: number;
}

export interface SandboxStats {
  requests: number;
  applied: AppliedBatch[];
  /** Batches whose key had already been applied and that were applied again: must stay 0. */
  appliedTwice: AppliedBatch[];
  /** Batches whose key had already been applied and that were recognized and ignored (platform idempotency). */
  replaysIgnored: number;
  faults: FaultInjector['counts'];
}

/**
 * A faithful fake of one platform's API. Each platform's folder implements it; `sandbox/server.ts` mounts them
 * side by side on one port with the control routes under `/_sandbox/<platform>/...`.
 */
export interface PlatformSandbox {
  readonly platform: string;
  readonly faults: FaultInjector;
  /** Registers the platform's API routes (their real paths) in an encapsulated context with the fault hook. */
  register(app: FastifyInstance): Promise<void>;
  audiences(): SandboxAudience[];
  /** Exact membership of an audience: hashes, or one canonical key per person for multi-key audiences. */
  members(audienceId: string): string[] | null;
  stats(): SandboxStats;
  /** Forgets every audience, file, session and statistic, and clears the fault switches. */
  reset(): void;
}

/** How a platform says "rate limited" and "server error", for the shared fault hook. */
export interface FaultAnswers {
  rateLimit(reply: FastifyReply): FastifyReply;
  serverError(reply: FastifyReply): FastifyReply;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Adds the fault switches to a platform's encapsulated context. Faults strike before the request is processed,
 * and a slow request whose client gave up is not processed either: a fault never has a hidden effect, so a test
 * that finds a batch applied twice has found a client bug.
 */
export function installFaults(app: FastifyInstance, faults: FaultInjector, answers: FaultAnswers): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const delay = faults.delayFor();
    if (delay > 0) {
      await sleep(delay);
      if (request.raw.destroyed || request.raw.socket.destroyed) {
        reply.hijack();
        return reply;
      }
    }
    const fault = faults.decide();
    if (fault === null) return;
    switch (fault) {
      case 'drop':
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      case 'garbage':
        return reply
          .code(502)
          .type('text/html')
          .send('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>');
      case 'rate-limit':
        return answers.rateLimit(reply);
      case 'server-error':
        return answers.serverError(reply);
    }
  });
}
