import type { Queryable } from '../database.js';

/**
 * The per-account rate limiter shared by every worker (the SQL behind a database `RateLimiter`): evenly spaced
 * request slots, and a pause after a throttle answer that holds every worker's requests for that account. Times
 * come from the database clock, the one clock all workers share. Call these outside long transactions: the row
 * lock is held until the caller's transaction ends.
 */

/**
 * Reserves the account's next request slot, `intervalMs` after the previous one and not before a pause ends.
 * Returns how long to wait before sending (0: now).
 */
export async function reserveSlot(q: Queryable, account: string, intervalMs: number): Promise<number> {
  const [row] = await q.query<{ waitMs: number }>(
    `INSERT INTO rate_limits AS r (account, next_slot_at)
     VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
     ON CONFLICT (account) DO UPDATE
       SET next_slot_at = greatest(r.next_slot_at, clock_timestamp(), r.paused_until) + make_interval(secs => $2::float8 / 1000)
     RETURNING greatest(0, extract(epoch FROM r.next_slot_at - clock_timestamp()) * 1000 - $2::float8)::float8 AS "waitMs"`,
    [account, intervalMs],
  );
  return row!.waitMs;
}

/** Holds every request of the account until `ms` from now (the platform said to wait). */
export async function pauseAccount(q: Queryable, account: string, ms: number): Promise<void> {
  await q.query(
    `INSERT INTO rate_limits AS r (account, next_slot_at, paused_until)
     VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000), clock_timestamp() + make_interval(secs => $2::float8 / 1000))
     ON CONFLICT (account) DO UPDATE SET
       paused_until = greatest(r.paused_until, excluded.paused_until),
       next_slot_at = greatest(r.next_slot_at, excluded.paused_until)`,
    [account, ms],
  );
}

export async function getRateLimit(q: Queryable, account: string): Promise<{ nextSlotAt: Date; pausedUntil: Date | null } | undefined> {
  const [row] = await q.query<{ nextSlotAt: Date; pausedUntil: Date | null }>(
    'SELECT next_slot_at AS "nextSlotAt", paused_until AS "pausedUntil" FROM rate_limits WHERE account = $1',
    [account],
  );
  return row;
}
