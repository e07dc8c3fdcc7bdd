/**
 * Fault switches shared by every platform sandbox: a share of requests is answered with the platform's rate-limit
 * error, a server error, garbage (an HTML error page), a dropped connection, or a slow answer; and a real
 * requests-per-second limit can be enforced. Decisions come from a seeded generator so a failing test replays.
 */
export interface FaultSettings {
  /** Share (0-1) of requests answered with the platform's rate-limit error. */
  rateLimitRate: number;
  /** Share answered with a server error (the platform's transient code or an HTTP 5xx). */
  serverErrorRate: number;
  /** Share answered with an HTML page instead of the platform's JSON. */
  garbageRate: number;
  /** Share whose connection is destroyed before the request is processed (the client sees a reset). */
  dropRate: number;
  /** Share delayed by `slowMs` before processing; a client that gives up in the meantime changes nothing. */
  slowRate: number;
  slowMs: number;
  /** Requests per second above which the platform's rate-limit error is returned (0 = no limit). */
  maxRequestsPerSecond: number;
  /**
   * Share of a request's well-formed rows the platform still counts invalid, for reasons of its own (Meta answers
   * them in num_invalid_entries and invalid_entry_samples; a platform without per-row answers ignores it).
   */
  invalidRowRate: number;
  seed: number;
}

export const NO_FAULTS: FaultSettings = {
  rateLimitRate: 0,
  serverErrorRate: 0,
  garbageRate: 0,
  dropRate: 0,
  slowRate: 0,
  slowMs: 0,
  maxRequestsPerSecond: 0,
  invalidRowRate: 0,
  seed: 1,
};

export type Fault = 'rate-limit' | 'server-error' | 'garbage' | 'drop';

/** mulberry32: small, fast, seeded; good enough to spread faults. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private settings: FaultSettings = { ...NO_FAULTS };
  private random = seededRandom(NO_FAULTS.seed);
  /** Start times (ms) of requests in the last second, for the requests-per-second limit. */
  private recent: number[] = [];
  /** What the injector did, for tests and the bench to read. */
  readonly counts: Record<Fault | 'slow' | 'over-limit' | 'passed', number> = {
    'rate-limit': 0,
    'server-error': 0,
    garbage: 0,
    drop: 0,
    slow: 0,
    'over-limit': 0,
    passed: 0,
  };

  configure(partial: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...partial };
    if (partial.seed !== undefined) this.random = seededRandom(partial.seed);
    return this.current();
  }

  current(): FaultSettings {
    return { ...this.settings };
  }

  reset(): void {
    this.configure({ ...NO_FAULTS });
    this.recent = [];
    for (const key of Object.keys(this.counts) as (keyof typeof this.counts)[]) this.counts[key] = 0;
  }

  /** Milliseconds to hold this request before processing it (0 for most). */
  delayFor(): number {
    const { slowRate, slowMs } = this.settings;
    if (slowRate > 0 && slowMs > 0 && this.random() < slowRate) {
      this.counts.slow++;
      return slowMs;
    }
    return 0;
  }

  /** Whether the platform counts this row invalid (`invalidRowRate`). */
  refusesRow(): boolean {
    return this.settings.invalidRowRate > 0 && this.random() < this.settings.invalidRowRate;
  }

  /** Which fault, if any, this request gets. `over-limit` requests get the platform's rate-limit answer. */
  decide(now = Date.now()): Fault | null {
    const { maxRequestsPerSecond } = this.settings;
    if (maxRequestsPerSecond > 0) {
      while (this.recent.length > 0 && (this.recent[0] as number) <= now - 1000) this.recent.shift();
      if (this.recent.length >= maxRequestsPerSecond) {
        this.counts['over-limit']++;
        return 'rate-limit';
      }
      this.recent.push(now);
    }
    const draw = this.random();
    const { rateLimitRate, serverErrorRate, garbageRate, dropRate } = this.settings;
    let edge = rateLimitRate;
    let fault: Fault | null = null;
    if (draw < edge) fault = 'rate-limit';
    else if (draw < (edge += serverErrorRate)) fault = 'server-error';
    else if (draw < (edge += garbageRate)) fault = 'garbage';
    else if (draw < (edge += dropRate)) fault = 'drop';
    this.counts[fault ?? 'passed']++;
    return fault;
  }
}
