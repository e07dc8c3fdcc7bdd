import type { Database } from '../db/database.js';
import { readDestinationConfig, secretValues, accountKey, type DestinationConfig } from '../destinations/config.js';
import type { Connector, DestinationDefinition } from '../destinations/definition.js';
import { PlatformCaller, DEFAULT_RETRY_POLICY, type RetryPolicy, type CallEvents } from '../destinations/http/caller.js';
import { fetchTransport } from '../destinations/http/transport.js';
import { loadDestinationConfig } from '../destinations/saved.js';
import { AuError } from '../errors.js';
import type { Runtime } from './runtime.js';
import { SharedRateLimiter } from './shared-rate-limiter.js';

export interface ConnectedDestination {
  connector: Connector;
  secrets: { value: string; name: string }[];
}

/**
 * A connector for a job, with the account's rate limit shared through the database by every worker. Credentials
 * come from the saved destination `destinationId` (opened with the runtime's master key), or, without one, from the
 * worker's environment (the same variables as the CLI).
 */
export async function connectForJob(
  runtime: Pick<Runtime, 'db' | 'env' | 'settings' | 'masterKey'>,
  definition: DestinationDefinition,
  destinationId: number | undefined,
  events: CallEvents = {},
): Promise<ConnectedDestination> {
  let config: DestinationConfig;
  if (destinationId === undefined) config = readDestinationConfig(definition, runtime.env);
  else {
    const saved = await loadDestinationConfig(runtime.db, await runtime.masterKey(), destinationId);
    if (saved.definition.platform !== definition.platform) {
      throw new AuError('AU_OPTION_INVALID', `The job is for ${definition.label}, but the saved destination "${saved.destination.name}" is ${saved.definition.label}`);
    }
    config = saved.config;
  }
  return connectWithConfig(runtime.db, definition, config, runtime.settings.retryPolicy, events);
}

/** A connector for these credentials and settings, rate-limited per account through the database. */
export function connectWithConfig(
  db: Database,
  definition: DestinationDefinition,
  config: DestinationConfig,
  retryPolicy: Partial<RetryPolicy> | undefined,
  events: CallEvents = {},
): ConnectedDestination {
  const account = accountKey(definition.platform, config.credentials[definition.accountField] ?? '');
  const requestsPerSecond = Number(config.settings.requestsPerSecond ?? definition.limits.requestsPerSecond);
  const limiter = new SharedRateLimiter(db, account, requestsPerSecond);
  const caller = new PlatformCaller(fetchTransport, limiter, { ...DEFAULT_RETRY_POLICY, ...retryPolicy }, events);
  return { connector: definition.connect({ credentials: config.credentials, settings: config.settings, caller }), secrets: secretValues(definition, config) };
}
