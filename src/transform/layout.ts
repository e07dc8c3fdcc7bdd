import type { PlatformProfile, ProfileField } from '../destinations/profile.js';
import type { ColumnMapping } from './mapping.js';

/** Where an output column's values come from: a mapped column's normalized value, maybe a slice of it. */
export interface FieldSource {
  /** Index into the mappings. */
  mapping: number;
  slice?: ProfileField['slice'];
  hashed: boolean;
}

/**
 * The shape of the upload-ready files, derived from the mapping and the platform:
 * - `single`: one identifier type, headerless, one value per line; several columns of that type are pooled
 *   (TikTok files of one calculate_type);
 * - `multi`: a header row and one column per field (TikTok MULTIPLE_TYPES, Meta multi-key schema).
 */
export type OutputLayout =
  | { kind: 'single'; typeName: string; source: FieldSource[]; maxFileBytes: number; filePrefix: string }
  | { kind: 'multi'; typeName: string; header: string[]; columns: FieldSource[]; maxFileBytes?: number; maxRows?: number; filePrefix: string };

export function planLayout(mappings: readonly ColumnMapping[], profile: PlatformProfile): OutputLayout {
  const outputs = mappings.map((m, index) => ({ ...m, index })).filter((m) => profile.identifiers[m.type]);
  const output = profile.output;
  if (output.kind === 'file-set') {
    const types = new Set(outputs.map((m) => m.type));
    if (types.size === 1) {
      const first = outputs[0]!;
      const identifier = profile.identifiers[first.type]!;
      const field = identifier.fields[0]!;
      return {
        kind: 'single',
        typeName: field.key,
        source: outputs.map((m) => ({ mapping: m.index, slice: field.slice, hashed: identifier.hashed })),
        maxFileBytes: output.maxFileBytes,
        filePrefix: field.key,
      };
    }
    const header: string[] = [];
    const columns: FieldSource[] = [];
    for (const m of outputs) {
      const identifier = profile.identifiers[m.type]!;
      for (const field of identifier.fields) {
        header.push(field.multiKey ?? field.key);
        columns.push({ mapping: m.index, slice: field.slice, hashed: identifier.hashed });
      }
    }
    return { kind: 'multi', typeName: output.multiTypeName, header, columns, maxFileBytes: output.maxFileBytes, filePrefix: output.multiTypeName };
  }
  const byKey = new Map<string, FieldSource>();
  for (const m of outputs) {
    const identifier = profile.identifiers[m.type]!;
    for (const field of identifier.fields) byKey.set(field.key, { mapping: m.index, slice: field.slice, hashed: identifier.hashed });
  }
  const header = output.keyOrder.filter((key) => byKey.has(key));
  return {
    kind: 'multi',
    typeName: 'MULTI_KEY',
    header,
    columns: header.map((key) => byKey.get(key)!),
    maxRows: output.maxRowsPerBatch,
    filePrefix: 'batch',
  };
}
