import type { Database } from '../db/database.js';
import { readDestinationConfig, secretValues, accountKey } from '../destinations/config.js';
import type { Connector, DestinationDefinition } from '../destinations/definition.js';
import { PlatformCaller, DEFAULT_RETRY_POLICY, type RetryPolicy, type CallEvents } from '../destinations/http/caller.js';
import { fetchTransport } from '../destinations/http/transport.js';
import { SharedRateLimiter } from './shared-rate-limiter.js';

export interface ConnectedDestination {
  connector: Connector;
  secrets: { value: string; name: string }[];
}

/**
 * A connector for a job, with the account's rate limit shared through the database by every worker. Credentials
 * come from the worker's environment (the same variables as the CLI).
 */
export function connectForJob(
  db: Database,
  definition: DestinationDefinition,
  env: NodeJS.ProcessEnv,
  retryPolicy: Partial<RetryPolicy> | undefined,
  events: CallEvents = {},
): ConnectedDestination {
  const config = readDestinationConfig(definition, env);
  const account = accountKey(definition.platform, config.credentials[definition.accountField] ?? '');
  const requestsPerSecond = Number(config.settings.requestsPerSecond ?? definition.limits.requestsPerSecond);
  const limiter = new SharedRateLimiter(db, account, requestsPerSecond);
  const caller = new PlatformCaller(fetchTransport, limiter, { ...DEFAULT_RETRY_POLICY, ...retryPolicy }, events);
  return { connector: definition.connect({ credentials: config.credentials, settings: config.settings, caller }), secrets: secretValues(definition, config) };
}
