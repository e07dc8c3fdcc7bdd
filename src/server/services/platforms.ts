import type { DestinationDefinition } from '../../destinations/definition.js';
import { supportedTypes } from '../../destinations/profile.js';
import { DESTINATIONS } from '../../destinations/registry.js';
import { JOB_MODES, type JobMode } from '../../jobs/spec.js';
import type { IdentifierType } from '../../identifiers/catalog.js';

/** Words a person reads for each identifier type (the catalog's codes are for machines). */
export const IDENTIFIER_LABELS: Record<IdentifierType, string> = {
  EMAIL: 'Email',
  PHONE: 'Phone number',
  IDFA: 'Apple advertising ID (IDFA)',
  GAID: 'Google advertising ID (GAID)',
  MAID: 'Mobile advertising ID (IDFA or GAID)',
  FN: 'First name',
  LN: 'Last name',
  FI: 'First initial',
  ZIP: 'Postal code',
  CT: 'City',
  ST: 'State or region',
  COUNTRY: 'Country',
  DOB: 'Date of birth',
  DOBY: 'Birth year',
  DOBM: 'Birth month',
  DOBD: 'Birth day',
  GEN: 'Gender',
  EXTERN_ID: 'External ID (your own)',
};

export interface PlatformView {
  id: string;
  label: string;
  identifierTypes: { type: IdentifierType; label: string }[];
  audienceNameMaxLength: number;
  minimumAudienceSize: number | null;
  modes: JobMode[];
  credentialFields: { name: string; label: string; secret: boolean; required: boolean }[];
  settingFields: { name: string; label: string; required: boolean; default?: string }[];
}

/**
 * A platform as the web app needs it to build forms: the identifiers it takes (COUNTRY always: a platform that
 * does not take it still uses it to read phone numbers and postal codes), limits, modes, and the fields of a
 * destination. Never a value.
 */
export function platformView(definition: DestinationDefinition): PlatformView {
  const types = supportedTypes(definition.profile);
  if (!types.includes('COUNTRY')) types.push('COUNTRY');
  return {
    id: definition.platform,
    label: definition.label,
    identifierTypes: types.map((type) => ({
      type,
      label: definition.profile.identifiers[type] ? IDENTIFIER_LABELS[type] : `${IDENTIFIER_LABELS[type]} (only to read phone numbers)`,
    })),
    audienceNameMaxLength: definition.limits.maxAudienceNameLength,
    minimumAudienceSize: definition.limits.minAudienceSize ?? null,
    modes: [...JOB_MODES],
    credentialFields: definition.credentials.map((field) => ({ name: field.key, label: field.label, secret: field.secret, required: field.required })),
    settingFields: definition.settings.map((field) => ({
      name: field.key,
      label: field.label,
      required: field.required,
      ...(field.default !== undefined ? { default: field.default } : {}),
    })),
  };
}

export function listPlatforms(): PlatformView[] {
  return Object.values(DESTINATIONS).map(platformView);
}
