import type { Runtime } from '../../jobs/runtime.js';
import type { DestinationConfig } from '../../destinations/config.js';
import type { AudienceInfo, DestinationDefinition } from '../../destinations/definition.js';
import type { RetryPolicy } from '../../destinations/http/caller.js';
import { checkDestinationInput, getSavedDestination, loadDestinationConfig, saveDestination, type SavedDestination } from '../../destinations/saved.js';
import { AuError, isAuError } from '../../errors.js';
import { connectWithConfig } from '../../jobs/destination.js';
import { describeError } from '../../jobs/errors.js';
import { iso } from './common.js';

/**
 * Saved destinations through the API: credentials are tested with the platform before anything is stored, and
 * never returned (only the names of the fields that are set).
 */

/** A person waits for a connection test: a few quick attempts, not the worker's patient retries. */
const TEST_POLICY: Partial<RetryPolicy> = { maxAttempts: 2, maxThrottledAttempts: 2, baseDelayMs: 200, maxDelayMs: 1_000, timeoutMs: 20_000, maxThrottleWaitMs: 5_000 };

export interface DestinationView {
  id: number;
  name: string;
  platform: string;
  platformLabel: string;
  account: string;
  sandbox: boolean;
  settings: Record<string, string>;
  credentialFields: string[];
  createdAt: string;
  updatedAt: string;
}

export function destinationView(destination: SavedDestination): DestinationView {
  return {
    id: destination.id,
    name: destination.name,
    platform: destination.platform,
    platformLabel: destination.label,
    account: destination.account,
    sandbox: destination.sandbox,
    settings: destination.settings,
    credentialFields: destination.credentials.filter((field) => field.set).map((field) => field.key),
    createdAt: iso(destination.createdAt)!,
    updatedAt: iso(destination.updatedAt)!,
  };
}

/** Settings as a connector reads them: the given ones over the definition's defaults. */
function withDefaults(definition: DestinationDefinition, settings: Record<string, string>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const field of definition.settings) {
    const value = settings[field.key] ?? field.default;
    if (value !== undefined && value !== '') merged[field.key] = value;
  }
  return merged;
}

/**
 * Asks the platform whether it accepts these credentials. A refusal keeps its code (AU_AUTH_FAILED,
 * AU_PERMISSION_DENIED: 422) and the platform's reason, with every secret value replaced.
 */
export async function testConnection(runtime: Pick<Runtime, 'db'>, definition: DestinationDefinition, config: DestinationConfig, label: string): Promise<{ account: string }> {
  const { connector, secrets } = connectWithConfig(runtime.db, definition, config, TEST_POLICY);
  try {
    return await connector.testCredentials();
  } catch (error) {
    const described = describeError(error, secrets);
    const code = isAuError(error) ? error.code : 'AU_PLATFORM_UNAVAILABLE';
    throw new AuError(code, `${label}: ${described.message}`, { platform: definition.platform });
  }
}

export interface CreateDestinationInput {
  name: string;
  platform: string;
  credentials: Record<string, string>;
  settings: Record<string, string>;
  sandbox?: boolean;
}

/** Checks the fields, tests the connection (unless `skipTest`), then saves. Nothing is stored when any step fails. */
export async function createDestination(runtime: Runtime, input: CreateDestinationInput, options: { actor: string; skipTest: boolean }): Promise<SavedDestination> {
  const checked = checkDestinationInput(input);
  if (!options.skipTest) {
    await testConnection(runtime, checked.definition, { credentials: checked.credentials, settings: withDefaults(checked.definition, checked.settings) }, checked.definition.label);
  }
  return saveDestination(runtime.db, await runtime.masterKey(), { ...input, sandbox: input.sandbox ?? false }, { actor: options.actor });
}

/**
 * Replaces a destination's credentials. Fields not given keep their stored value (rotate just the token); the
 * result is tested with the platform before it is stored.
 */
export async function rotateCredentials(runtime: Runtime, id: number, credentials: Record<string, string>, options: { actor: string; skipTest: boolean }): Promise<SavedDestination> {
  const master = await runtime.masterKey();
  const current = await getSavedDestination(runtime.db, id);
  let stored: Record<string, string> = {};
  try {
    stored = (await loadDestinationConfig(runtime.db, master, id)).config.credentials;
  } catch (error) {
    // Sealed under another key or incomplete: the new credentials must then be complete on their own.
    if (!isAuError(error)) throw error;
  }
  const input = { platform: current.platform, name: current.name, credentials: { ...stored, ...credentials }, settings: current.settings, sandbox: current.sandbox };
  const checked = checkDestinationInput(input);
  if (!options.skipTest) {
    await testConnection(runtime, checked.definition, { credentials: checked.credentials, settings: withDefaults(checked.definition, checked.settings) }, current.name);
  }
  return saveDestination(runtime.db, master, input, { actor: options.actor, replace: true });
}

/** Tests a saved destination's stored credentials. */
export async function testSavedDestination(runtime: Runtime, id: number): Promise<{ destination: SavedDestination; account: string }> {
  const { destination, definition, config } = await loadDestinationConfig(runtime.db, await runtime.masterKey(), id);
  const { account } = await testConnection(runtime, definition, config, destination.name);
  return { destination, account };
}

/** The platform's audiences of a saved destination's account, filtered by a part of the name (any case). */
export async function platformAudiences(runtime: Runtime, id: number, search: string | undefined, max = 200): Promise<AudienceInfo[]> {
  const { destination, definition, config } = await loadDestinationConfig(runtime.db, await runtime.masterKey(), id);
  const { connector, secrets } = connectWithConfig(runtime.db, definition, config, TEST_POLICY);
  if (!connector.listAudiences) throw new AuError('AU_OPTION_INVALID', `${definition.label} destinations cannot list their audiences`);
  let audiences: AudienceInfo[];
  try {
    // Read more than shown, so a search finds audiences beyond the first page.
    audiences = await connector.listAudiences(search ? 5_000 : max);
  } catch (error) {
    const described = describeError(error, secrets);
    throw new AuError(isAuError(error) ? error.code : 'AU_PLATFORM_UNAVAILABLE', `${destination.name}: ${described.message}`);
  }
  const needle = search?.trim().toLowerCase();
  return (needle ? audiences.filter((audience) => audience.name.toLowerCase().includes(needle)) : audiences).slice(0, max);
}
