import { describe, expect, it, vi } from 'vitest';
import { AuError } from '../../errors.js';
import { PlatformCaller, backoffDelay, type Interpretation } from './caller.js';
import { IntervalRateLimiter } from './rate-limiter.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

const request = (): HttpRequest => ({ method: 'GET', url: 'http://127.0.0.1:9/x', headers: {}, label: 'probe' });
const answer = (text: string): HttpResponse => ({ status: 200, headers: new Headers(), text });

/** A scripted platform: each entry is the next answer, or an error to throw as the network would. */
function scripted(steps: (string | Error)[]): Transport & { sent: number } {
  const transport = {
    sent: 0,
    async send() {
      const step = steps[Math.min(transport.sent++, steps.length - 1)]!;
      if (step instanceof Error) throw step;
      return answer(step);
    },
  };
  return transport;
}

const interpret = (response: HttpResponse): Interpretation<string> => {
  const body = JSON.parse(response.text) as { ok?: string; kind?: 'retry' | 'throttle' | 'reauth' | 'fail'; wait?: number };
  if (body.ok) return { ok: true, value: body.ok };
  return { ok: false, disposition: body.kind!, code: body.kind === 'reauth' ? 'AU_AUTH_FAILED' : 'AU_PLATFORM_REJECTED', message: `said ${body.kind}`, ...(body.wait ? { waitMs: body.wait } : {}) };
};

const policy = { maxAttempts: 4, maxThrottledAttempts: 5, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 1000, maxThrottleWaitMs: 60_000 };
const reset = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

describe('PlatformCaller', () => {
  it('retries transient failures and network resets, then succeeds', async () => {
    const transport = scripted([reset(), '{"kind":"retry"}', '{"ok":"yes"}']);
    const retries: string[] = [];
    const caller = new PlatformCaller(transport, new IntervalRateLimiter(1000), policy, { onRetry: (e) => retries.push(e.disposition) });
    await expect(caller.call(request, interpret)).resolves.toBe('yes');
    expect(transport.sent).toBe(3);
    expect(retries).toEqual(['retry', 'retry']);
  });

  it('stops at once on re-authentication and on a failing request', async () => {
    for (const kind of ['reauth', 'fail'] as const) {
      const transport = scripted([`{"kind":"${kind}"}`, '{"ok":"never"}']);
      const caller = new PlatformCaller(transport, new IntervalRateLimiter(1000), policy);
      const error = await caller.call(request, interpret).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuError);
      expect((error as AuError).code).toBe(kind === 'reauth' ? 'AU_AUTH_FAILED' : 'AU_PLATFORM_REJECTED');
      expect(transport.sent).toBe(1);
    }
  });

  it('gives up after the attempt limit with a message that says so', async () => {
    const transport = scripted(['{"kind":"retry"}']);
    const caller = new PlatformCaller(transport, new IntervalRateLimiter(1000), policy);
    const error = (await caller.call(request, interpret).catch((e: unknown) => e)) as AuError;
    expect(error.message).toMatch(/gave up after 4 attempts/);
    expect(transport.sent).toBe(4);
  });

  it('honours the platform wait hint and holds every request of the account', async () => {
    const limiter = new IntervalRateLimiter(1000);
    const transport = scripted(['{"kind":"throttle","wait":120}', '{"ok":"yes"}']);
    const caller = new PlatformCaller(transport, limiter, policy);
    const started = Date.now();
    await expect(caller.call(request, interpret)).resolves.toBe('yes');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(limiter.waitedMs).toBeGreaterThanOrEqual(110);
  });

  it('does not hang when the platform asks to wait longer than the limit (a daily quota): a clear error instead', async () => {
    const transport = scripted(['{"kind":"throttle","wait":7200000}', '{"ok":"never"}']);
    const caller = new PlatformCaller(transport, new IntervalRateLimiter(1000), policy);
    const error = (await caller.call(request, interpret).catch((e: unknown) => e)) as AuError;
    expect(error.code).toBe('AU_PLATFORM_UNAVAILABLE');
    expect(error.message).toMatch(/asks to wait until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: run it again then/);
    expect(transport.sent).toBe(1);
  });

  it('looks for the effect of an ambiguous failure before resending (recover)', async () => {
    const transport = scripted([reset(), '{"ok":"second create"}']);
    const caller = new PlatformCaller(transport, new IntervalRateLimiter(1000), policy);
    await expect(caller.call(request, interpret, { recover: async () => 'found it' })).resolves.toBe('found it');
    expect(transport.sent).toBe(1);
  });

  it('does not recover after a refused connection, which never reached the platform', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const transport = scripted([refused, '{"ok":"sent again"}']);
    const caller = new PlatformCaller(transport, new IntervalRateLimiter(1000), policy);
    await expect(caller.call(request, interpret, { recover: async () => 'wrong' })).resolves.toBe('sent again');
  });

  it('passes on errors that are not network errors', async () => {
    const transport = scripted([new RangeError('a bug')]);
    const caller = new PlatformCaller(transport, new IntervalRateLimiter(1000), policy);
    await expect(caller.call(request, interpret)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter, within the cap', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, p, () => 0)).toBe(50);
    expect(backoffDelay(1, p, () => 1)).toBe(100);
    expect(backoffDelay(3, p, () => 1)).toBe(400);
    expect(backoffDelay(10, p, () => 1)).toBe(1000);
    expect(backoffDelay(10, p, () => 0)).toBe(500);
  });
});

describe('IntervalRateLimiter', () => {
  it('spaces requests evenly, 4% under the rate, never early, and holds everything during a pause', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const limiter = new IntervalRateLimiter(10);
      const granted: number[] = [];
      const start = Date.now();
      const all = Promise.all([0, 1, 2].map(async () => {
        await limiter.acquire();
        granted.push(Date.now() - start);
      }));
      await vi.advanceTimersByTimeAsync(1000);
      await all;
      expect(granted).toEqual([0, 104, 208]);
      limiter.pauseFor(500);
      const paused = Date.now();
      const next = limiter.acquire().then(() => Date.now() - paused);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await next).toBe(500);
    } finally {
      vi.useRealTimers();
    }
  });
});
