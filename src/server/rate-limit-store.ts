import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Queryable } from '../db/database.js';
import { countRequest } from '../db/queries/request-limits.js';

/**
 * A `@fastify/rate-limit` store on our database, so that every server process counts the same attempts (the
 * plugin's own store counts per process). Each route counts apart (`child`).
 */
export function databaseRateLimitStore(db: Queryable): FastifyRateLimitStoreCtor {
  class DatabaseRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _options: unknown,
      private readonly scope = '',
    ) {}

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      countRequest(db, `${this.scope}${key}`, timeWindow).then(
        (result) => callback(null, result),
        (error: Error) => callback(error),
      );
    }

    child(routeOptions: { method: string | string[]; url: string }): FastifyRateLimitStore {
      return new DatabaseRateLimitStore(undefined, `${String(routeOptions.method)} ${routeOptions.url}\n`);
    }
  }
  return DatabaseRateLimitStore;
}
