import type { Database } from '../db/database.js';
import { pauseAccount, reserveSlot } from '../db/queries/rate-limits.js';
import { SLOT_MARGIN, type RateLimiter } from '../destinations/http/rate-limiter.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Same pacing as IntervalRateLimiter (slots a little wider than the limit), held in the database for all workers. */
export class SharedRateLimiter implements RateLimiter {
  private waited = 0;
  private readonly intervalMs: number;

  constructor(
    private readonly db: Database,
    private readonly account: string,
    requestsPerSecond: number,
  ) {
    this.intervalMs = (1000 / requestsPerSecond) * SLOT_MARGIN;
  }

  get waitedMs(): number {
    return this.waited;
  }

  async acquire(): Promise<void> {
    const wait = await reserveSlot(this.db, this.account, this.intervalMs);
    if (wait > 0) {
      this.waited += wait;
      await sleep(wait);
    }
  }

  async pauseFor(ms: number): Promise<void> {
    await pauseAccount(this.db, this.account, ms);
  }
}
