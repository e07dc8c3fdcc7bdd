import { AuError } from '../errors.js';
import type { DestinationDefinition, FieldSpec } from './definition.js';

export interface DestinationConfig {
  credentials: Record<string, string>;
  settings: Record<string, string>;
}

/**
 * Reads a destination's credentials and settings from the environment (a `.env` file is loaded into it by the
 * CLI). A missing or malformed value is named by its variable; its value is never echoed.
 * `allowMissing` (dry runs) puts a placeholder where a credential is missing.
 */
export function readDestinationConfig(definition: DestinationDefinition, env: NodeJS.ProcessEnv, options: { allowMissing?: boolean } = {}): DestinationConfig {
  const read = (fields: readonly FieldSpec[], placeholders: boolean) => {
    const values: Record<string, string> = {};
    for (const field of fields) {
      const value = env[field.env]?.trim() || field.default;
      if (!value) {
        if (field.required && !(placeholders && options.allowMissing)) {
          throw new AuError('AU_CREDENTIALS_MISSING', `${definition.label}: set ${field.env} (${field.label}${field.hint ? `, ${field.hint}` : ''}) in the environment or in .env`, { variable: field.env });
        }
        if (field.required) values[field.key] = `<${field.env}>`;
        continue;
      }
      if (field.pattern && !field.pattern.test(value)) {
        throw new AuError('AU_OPTION_INVALID', `${definition.label}: ${field.env} is not valid${field.hint ? ` (expected ${field.hint})` : ''}`, { variable: field.env });
      }
      values[field.key] = value;
    }
    return values;
  };
  return { credentials: read(definition.credentials, true), settings: read(definition.settings, false) };
}

/** `tiktok:<advertiser>`, `meta:<ad account>`: the key of rate limits, stored audience ids and checkpoints. */
export function accountKey(platform: string, account: string): string {
  return `${platform}:${account.replace(/^act_/, '')}`;
}

/** The values that must never appear in logs, outputs or dry-run files. */
export function secretValues(definition: DestinationDefinition, config: DestinationConfig): { value: string; name: string }[] {
  const secrets = definition.credentials
    .filter((field) => field.secret && config.credentials[field.key] && config.credentials[field.key] !== `<${field.env}>`)
    .map((field) => ({ value: config.credentials[field.key]!, name: field.env }));
  return [...secrets, ...(definition.derivedSecrets?.(config.credentials) ?? [])];
}
