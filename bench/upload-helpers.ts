/**
 * Helpers for bench:upload: the synthetic input file, and thin recording wrappers around the real rate limiter
 * and transport. The wrappers only delegate and note times, so the upload behaves exactly as without them.
 */
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RateLimiter } from '../src/destinations/http/rate-limiter.js';
import type { HttpRequest, HttpResponse, Transport } from '../src/destinations/http/transport.js';
import { people, writePeopleCsv } from '../src/testing/people-file.js';

/** `rows` made-up people (emails and US phones, see src/testing/people-file.ts) at `path`; reused when present. */
export function ensurePeopleCsv(path: string, rows: number): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  process.stdout.write(`generating ${rows.toLocaleString('en-US')} synthetic people into ${path} ... `);
  const partial = `${path}.partial`;
  writePeopleCsv(partial, people(0, rows));
  renameSync(partial, path);
  process.stdout.write(`${(statSync(path).size / 1e6).toFixed(0)} MB\n`);
}

/** Delegates to a limiter and records when each slot was granted (performance.now() ms). */
export class RecordingLimiter implements RateLimiter {
  readonly grants: number[] = [];

  constructor(private readonly inner: RateLimiter) {}

  get waitedMs(): number {
    return this.inner.waitedMs;
  }

  async acquire(): Promise<void> {
    await this.inner.acquire();
    this.grants.push(performance.now());
  }

  pauseFor(ms: number): void {
    this.inner.pauseFor(ms);
  }
}

export interface TimedRequest {
  label: string;
  start: number;
  end: number;
  status: number | null;
}

/** Delegates to a transport and records each request's label, start, end and status. */
export class TimedTransport implements Transport {
  readonly requests: TimedRequest[] = [];

  constructor(private readonly inner: Transport) {}

  async send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
    const entry: TimedRequest = { label: request.label, start: performance.now(), end: Number.NaN, status: null };
    this.requests.push(entry);
    try {
      const response = await this.inner.send(request, timeoutMs);
      entry.status = response.status;
      return response;
    } finally {
      entry.end = performance.now();
    }
  }
}
