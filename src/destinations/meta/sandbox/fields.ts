import { invalidParameter } from './errors.js';
import type { AudienceRecord } from './state.js';

type FieldReader = (audience: AudienceRecord, replacing: boolean) => unknown;

const unixSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * CustomAudience fields the sandbox can read. Counts are exact (Meta's bounds are a rounded range and lag up to 24 h);
 * operation_status is 200 Normal, or 300 Replacing while a usersreplace session is open.
 */
const AUDIENCE_FIELDS: Record<string, FieldReader> = {
  id: (audience) => audience.id,
  name: (audience) => audience.name,
  description: (audience) => audience.description ?? '',
  account_id: (audience) => audience.account,
  subtype: () => 'CUSTOM',
  customer_file_source: (audience) => audience.customerFileSource,
  approximate_count_lower_bound: (audience) => audience.members.size,
  approximate_count_upper_bound: (audience) => audience.members.size,
  operation_status: (_audience, replacing) =>
    replacing ? { code: 300, description: 'Replacing' } : { code: 200, description: 'Normal' },
  time_created: (audience) => unixSeconds(audience.createdAt),
  time_updated: (audience) => unixSeconds(audience.updatedAt),
};

/** Throws Meta's error for a field the node does not have, before anything is read. */
export function checkAudienceFields(names: readonly string[]): void {
  const unknown = names.find((name) => !(name in AUDIENCE_FIELDS));
  if (unknown !== undefined) {
    throw invalidParameter(`Tried accessing nonexisting field (${unknown}) on node type (CustomAudience)`);
  }
}

/** The requested fields, `id` always and first, as Graph answers. */
export function readAudience(audience: AudienceRecord, names: readonly string[], replacing: boolean): Record<string, unknown> {
  const result: Record<string, unknown> = { id: audience.id };
  for (const name of names) {
    const reader = AUDIENCE_FIELDS[name];
    if (reader) result[name] = reader(audience, replacing);
  }
  return result;
}
