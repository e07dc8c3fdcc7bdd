import type { IdentifierType } from '../identifiers/catalog.js';
import type { NormalizationRule } from '../identifiers/rule.js';

/** One field a platform receives, derived from a normalized identifier value. */
export interface ProfileField {
  /** The platform's name for the field (TikTok calculate_type, Meta schema key). */
  key: string;
  /** Header name in a file that carries several identifier types (TikTok MULTIPLE_TYPES); defaults to `key`. */
  multiKey?: string;
  /** Part of the normalized value this field takes, e.g. the year of a YYYYMMDD date of birth. */
  slice?: { start: number; length: number };
}

/** How a platform takes one identifier type. */
export interface ProfileIdentifier {
  rule: NormalizationRule;
  /** Whether the platform wants this identifier SHA-256 hashed (Meta MADID and EXTERN_ID are sent raw). */
  hashed: boolean;
  fields: readonly ProfileField[];
}

/** TikTok: customer files, one identifier per line, or a header row naming each column's type. */
export interface FileSetOutput {
  kind: 'file-set';
  /** Largest file the platform takes; bigger sets are split. */
  maxFileBytes: number;
  /** calculate_type of a file with several identifier types, whose header names each column. */
  multiTypeName: string;
  /** How often one header may repeat in a multi-type file. */
  maxRepeatsPerKey: number;
}

/** Meta: multi-key rows in schema order, sent in batches of a bounded number of rows. */
export interface MultiKeyOutput {
  kind: 'multi-key';
  maxRowsPerBatch: number;
  /** The platform's schema order; a batch's schema is the mapped subset in this order. */
  keyOrder: readonly string[];
}

export interface PlatformProfile {
  platform: string;
  label: string;
  identifiers: Partial<Record<IdentifierType, ProfileIdentifier>>;
  output: FileSetOutput | MultiKeyOutput;
  /** Smallest audience the platform will use or keep (TikTok refuses updates that go below it). */
  minAudienceSize?: number;
}

/** The identifier types a profile takes, for messages. */
export function supportedTypes(profile: PlatformProfile): IdentifierType[] {
  return Object.keys(profile.identifiers) as IdentifierType[];
}
