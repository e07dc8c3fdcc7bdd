import type { Queryable } from '../database.js';

/** Counters older than this (past any window) are deleted as new ones are counted. */
const KEEP_HOURS = 24;

/**
 * Counts one request under `key` in a fixed window of `windowMs` (a window over starts a new one), and gives the
 * count so far and the milliseconds left in the window: what `@fastify/rate-limit` asks of its store. Times come
 * from the database clock, the one clock every server process shares.
 */
export async function countRequest(q: Queryable, key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
  await q.query(`DELETE FROM request_limits WHERE window_start < clock_timestamp() - make_interval(hours => ${KEEP_HOURS}) - make_interval(secs => $1::float8 / 1000)`, [
    windowMs,
  ]);
  const [row] = await q.query<{ current: number; ttl: number }>(
    `INSERT INTO request_limits AS r (key, hits, window_start)
     VALUES ($1, 1, clock_timestamp())
     ON CONFLICT (key) DO UPDATE
       SET hits = CASE WHEN r.window_start <= clock_timestamp() - make_interval(secs => $2::float8 / 1000) THEN 1 ELSE r.hits + 1 END,
           window_start = CASE WHEN r.window_start <= clock_timestamp() - make_interval(secs => $2::float8 / 1000) THEN clock_timestamp() ELSE r.window_start END
     RETURNING hits AS current,
       greatest(0, ceil(extract(epoch FROM window_start + make_interval(secs => $2::float8 / 1000) - clock_timestamp()) * 1000))::float8 AS ttl`,
    [key, windowMs],
  );
  return row!;
}
