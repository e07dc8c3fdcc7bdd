import { AuError } from '../errors.js';
import { IDENTIFIER_TYPES, isIdentifierType, type IdentifierType } from '../identifiers/catalog.js';
import { supportedTypes, type PlatformProfile } from '../destinations/profile.js';

/** A source column mapped to an identifier type. */
export interface ColumnMapping {
  column: string;
  type: IdentifierType;
}

/**
 * Parses `col=ID[,col=ID...]` (several --map options may be given). Column names may contain `=` only if the
 * identifier is last: the split is on the last `=`.
 */
export function parseMappingSpecs(specs: readonly string[]): ColumnMapping[] {
  const mappings: ColumnMapping[] = [];
  for (const spec of specs) {
    for (const part of spec.split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const at = item.lastIndexOf('=');
      if (at <= 0 || at === item.length - 1) {
        throw new AuError('AU_MAPPING_INVALID', `mapping "${item}" is not of the form column=IDENTIFIER`);
      }
      const column = item.slice(0, at).trim();
      const type = item.slice(at + 1).trim().toUpperCase();
      if (!isIdentifierType(type)) {
        throw new AuError('AU_MAPPING_INVALID', `mapping "${item}": unknown identifier "${type}"; use one of ${IDENTIFIER_TYPES.join(', ')}`);
      }
      mappings.push({ column, type });
    }
  }
  if (mappings.length === 0) throw new AuError('AU_MAPPING_INVALID', 'no column is mapped to an identifier (use --map column=EMAIL)');
  return mappings;
}

/**
 * Checks a mapping against the dataset's columns and the destination. COUNTRY may be mapped for a platform that
 * does not take it: it then only gives phones, states and postal codes their country.
 */
export function validateMapping(mappings: readonly ColumnMapping[], columns: readonly string[], profile: PlatformProfile): void {
  const known = new Set(columns);
  for (const { column } of mappings) {
    if (!known.has(column)) {
      throw new AuError('AU_MAPPING_COLUMN_MISSING', `mapped column "${column}" does not exist; the input has columns: ${columns.join(', ')}`, { column });
    }
  }
  const countries = mappings.filter((m) => m.type === 'COUNTRY');
  if (countries.length > 1) {
    throw new AuError('AU_MAPPING_INVALID', `only one column can be COUNTRY (got ${countries.map((m) => m.column).join(', ')})`);
  }
  for (const { column, type } of mappings) {
    if (type === 'COUNTRY') continue;
    if (!profile.identifiers[type]) {
      throw new AuError('AU_MAPPING_UNSUPPORTED', `${profile.label} does not take ${type} (column "${column}"); it takes ${supportedTypes(profile).join(', ')}`, { column });
    }
  }
  const outputs = mappings.filter((m) => profile.identifiers[m.type]);
  if (outputs.length === 0) {
    throw new AuError('AU_MAPPING_INVALID', `no mapped column is an identifier ${profile.label} takes`);
  }
  const perKey = new Map<string, string[]>();
  for (const { column, type } of outputs) {
    for (const field of profile.identifiers[type]!.fields) {
      const key = field.multiKey ?? field.key;
      perKey.set(key, [...(perKey.get(key) ?? []), column]);
    }
  }
  const maxRepeats = profile.output.kind === 'file-set' ? profile.output.maxRepeatsPerKey : 1;
  for (const [key, cols] of perKey) {
    if (cols.length > maxRepeats) {
      throw new AuError(
        'AU_MAPPING_INVALID',
        `${profile.label} takes ${maxRepeats === 1 ? 'one column' : `at most ${maxRepeats} columns`} for ${key}; mapped: ${cols.join(', ')}`,
      );
    }
  }
}

/** What discovery suggests for a column, as far as mapping checks need it. */
export interface ColumnSuggestion {
  column: string;
  type: IdentifierType;
  confidence: number;
}

const FAMILIES: readonly (readonly IdentifierType[])[] = [
  ['IDFA', 'GAID', 'MAID'],
  ['DOB', 'DOBY', 'DOBM', 'DOBD'],
  ['FN', 'FI'],
];
const sameFamily = (a: IdentifierType, b: IdentifierType) => a === b || FAMILIES.some((f) => f.includes(a) && f.includes(b));

/** Confidence from which a disagreeing suggestion is worth a warning (discovery caps it at 0.99). */
export const MISMAPPING_CONFIDENCE = 0.9;

/**
 * Warnings for columns whose name and content say another identifier than the one mapped: a swapped or wrong
 * mapping still "works" (an email mapped as a first name yields letters) and would upload useless hashes.
 */
export function mismappingWarnings(mappings: readonly ColumnMapping[], suggestions: readonly ColumnSuggestion[]): string[] {
  const byColumn = new Map(suggestions.map((s) => [s.column, s]));
  const warnings: string[] = [];
  for (const { column, type } of mappings) {
    const suggestion = byColumn.get(column);
    if (!suggestion || suggestion.confidence < MISMAPPING_CONFIDENCE || sameFamily(suggestion.type, type)) continue;
    warnings.push(`column "${column}" is mapped to ${type} but looks like ${suggestion.type} (confidence ${suggestion.confidence.toFixed(2)}); check the mapping`);
  }
  return warnings;
}
