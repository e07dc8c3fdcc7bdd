import { AuError, type ErrorCode } from '../../errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { describeNetworkError, type HttpRequest, type HttpResponse, type Transport } from './transport.js';

/**
 * What to do about a platform's answer: `retry` a transient failure after a backoff, `throttle` (wait as the
 * platform asks, then retry), `reauth` (the credentials are wrong or expired: stop at once) or `fail` (the request
 * itself is wrong: stop and say why).
 */
export type Disposition = 'retry' | 'throttle' | 'reauth' | 'fail';

export type Interpretation<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      disposition: Disposition;
      /** The error code raised when the request is given up. */
      code: ErrorCode;
      /** Plain words for the user; never the token, never request data. */
      message: string;
      platformCode?: string | number;
      /** The platform's own wait hint, for `throttle`. */
      waitMs?: number;
    };

export interface RetryPolicy {
  /** Attempts for transient failures (server errors, resets, timeouts, garbage answers). */
  maxAttempts: number;
  /** Attempts while throttled; throttling is expected under load, so this is larger. */
  maxThrottledAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  /** A platform asking to wait longer than this (a daily quota used up) gets a clear error instead of a hang. */
  maxThrottleWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  maxThrottledAttempts: 40,
  baseDelayMs: 500,
  maxDelayMs: 60_000,
  timeoutMs: 120_000,
  maxThrottleWaitMs: 15 * 60_000,
};

export interface CallEvents {
  /** A retry is coming after `delayMs` (throttled or transient), for progress and summaries. */
  onRetry?(event: { label: string; disposition: 'retry' | 'throttle'; attempt: number; delayMs: number; reason: string }): void;
}

export interface CallOptions<T> {
  /** Overrides the policy's timeout (file uploads take longer). */
  timeoutMs?: number;
  /**
   * For requests that are not idempotent (create an audience): after a failure in which the request may have
   * reached the platform (timeout, reset), look for its effect before sending it again.
   */
  recover?: () => Promise<T | undefined>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Full jitter: a random delay up to the exponential bound, so many clients do not retry in step. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(bound / 2 + (random() * bound) / 2);
}

/** Sends platform requests through the account's rate limiter, with timeouts, classification and retries. */
export class PlatformCaller {
  constructor(
    private readonly transport: Transport,
    private readonly limiter: RateLimiter,
    readonly policy: RetryPolicy,
    private readonly events: CallEvents = {},
  ) {}

  async call<T>(
    build: () => HttpRequest,
    interpret: (response: HttpResponse) => Interpretation<T>,
    options: CallOptions<T> = {},
  ): Promise<T> {
    let transient = 0;
    let throttled = 0;
    let ambiguous = false;
    for (;;) {
      if (ambiguous && options.recover) {
        const recovered = await options.recover();
        if (recovered !== undefined) return recovered;
      }
      // Built anew per attempt: a multipart body cannot be sent twice.
      const request = build();
      await this.limiter.acquire();
      let outcome: Interpretation<T>;
      try {
        const response = await this.transport.send(request, options.timeoutMs ?? this.policy.timeoutMs);
        outcome = interpret(response);
        ambiguous = false;
      } catch (error) {
        const reason = describeNetworkError(error);
        if (reason === null) throw error;
        // Refused or unresolved connections never reached the platform; resets and timeouts may have.
        ambiguous = !/refused|did not resolve/.test(reason);
        outcome = { ok: false, disposition: 'retry', code: 'AU_PLATFORM_UNAVAILABLE', message: `${hostOf(request.url)}: ${reason}` };
      }
      if (outcome.ok) return outcome.value;
      const { disposition, message } = outcome;
      if (disposition === 'fail' || disposition === 'reauth') {
        throw new AuError(outcome.code, message, { disposition, platformCode: outcome.platformCode, request: request.label });
      }
      let delayMs: number;
      let attempt: number;
      if (disposition === 'throttle') {
        attempt = ++throttled;
        if (attempt >= this.policy.maxThrottledAttempts) throw this.givenUp(request, message, attempt, outcome);
        if ((outcome.waitMs ?? 0) > this.policy.maxThrottleWaitMs) {
          const until = new Date(Date.now() + outcome.waitMs!).toISOString().replace(/\.\d+Z$/, 'Z');
          throw new AuError('AU_PLATFORM_UNAVAILABLE', `${request.label}: ${message}; the platform asks to wait until ${until}: run it again then`, {
            disposition,
            platformCode: outcome.platformCode,
            request: request.label,
          });
        }
        delayMs = Math.max(outcome.waitMs ?? 0, backoffDelay(attempt, this.policy));
        await this.limiter.pauseFor(delayMs);
      } else {
        attempt = ++transient;
        if (attempt >= this.policy.maxAttempts) throw this.givenUp(request, message, attempt, outcome);
        delayMs = backoffDelay(attempt, this.policy);
      }
      this.events.onRetry?.({ label: request.label, disposition, attempt, delayMs, reason: message });
      if (disposition === 'retry') await sleep(delayMs);
    }
  }

  private givenUp(request: HttpRequest, message: string, attempts: number, outcome: { code: ErrorCode; disposition: Disposition; platformCode?: string | number }): AuError {
    // A platform that keeps throttling or failing is "unavailable" unless it gave a more precise code.
    const code: ErrorCode = outcome.code === 'AU_PLATFORM_REJECTED' ? 'AU_PLATFORM_UNAVAILABLE' : outcome.code;
    return new AuError(code, `${request.label}: ${message} (gave up after ${attempts} attempts)`, {
      disposition: outcome.disposition,
      platformCode: outcome.platformCode,
      request: request.label,
      attempts,
    });
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the platform';
  }
}
