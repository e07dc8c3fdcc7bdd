import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import countries from 'i18n-iso-countries';
import { getDataset, insertDataset, type DatasetColumn, type DatasetRow } from '../../db/queries/datasets.js';
import { columnsSignature } from '../../db/queries/mappings.js';
import { discoverSchema } from '../../discover/discover.js';
import { maskValue, type MaskKind } from '../../discover/mask.js';
import type { PlatformProfile } from '../../destinations/profile.js';
import { getProfile } from '../../destinations/registry.js';
import { openEngine, engineTempDir, sqlIdent } from '../../engine/duckdb.js';
import { AuError } from '../../errors.js';
import type { IdentifierType } from '../../identifiers/catalog.js';
import type { DateFormat, InvalidReason, NormalizationRule, RowContext, RuleContext } from '../../identifiers/rule.js';
import { detectPrehashed, prehashedRule } from '../../identifiers/rules/prehashed.js';
import { countryRule } from '../../identifiers/rules/region.js';
import type { Runtime } from '../../jobs/runtime.js';
import { openSource, resolveInputs } from '../../sources/index.js';
import { safeKey, showKey } from '../../storage/keys.js';
import { validateMapping, type ColumnMapping } from '../../transform/mapping.js';
import { SAMPLE_ENGINE, iso, localInputs, sampleSlots, withScratch } from './common.js';

/** Datasets: storage keys, what discovery found in them (masked samples only), and previews of a mapping. */

export interface DatasetView {
  id: number;
  name: string;
  keys: string[];
  files: number;
  format: string;
  rows: { count: number; exact: boolean };
  warnings: string[];
  columns: DatasetColumn[];
  createdAt: string;
  createdBy: string | null;
}

export function datasetView(row: DatasetRow): DatasetView {
  return {
    id: row.id,
    name: row.name,
    keys: row.source.keys,
    files: row.source.files,
    format: row.source.format,
    rows: row.source.rows,
    warnings: row.source.warnings ?? [],
    columns: row.columns,
    createdAt: iso(row.createdAt)!,
    createdBy: row.createdBy,
  };
}

export async function loadDataset(runtime: Pick<Runtime, 'db'>, id: number): Promise<DatasetRow> {
  const row = await getDataset(runtime.db, id);
  if (!row) throw new AuError('AU_DATASET_NOT_FOUND', `There is no dataset ${id}`, { datasetId: id });
  return row;
}

/** The column layout's signature: the key of saved mappings. */
export function datasetSignature(row: DatasetRow): string {
  return columnsSignature(row.columns.map((column) => column.name));
}

const MAX_NAME = 200;

/**
 * Discovers the schema of the files at `keys` (each a file or a folder of part files with the same columns) on a
 * sample, and records the dataset. Only names, types, rates, masked samples and suggestions are stored.
 */
export async function createDataset(runtime: Runtime, input: { keys: string[]; name?: string }, actor: string): Promise<DatasetRow> {
  const keys = [...new Set(input.keys.map((key) => safeKey(key)))];
  if (keys.some((key) => key === '')) throw new AuError('AU_STORAGE_PATH_INVALID', 'A dataset cannot be the whole storage root: choose files or a folder');
  const name = (input.name?.trim() || basename(keys[0]!) + (keys.length > 1 ? ` (+${keys.length - 1})` : '')).slice(0, MAX_NAME);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new AuError('AU_VALIDATION', 'A dataset name cannot contain control characters');
  const discovered = await sampleSlots.run(() =>
    withScratch(runtime, 'discover', async (scratch) => {
      const inputs = await localInputs(runtime, keys, scratch, { sample: true });
      const engine = await openEngine({ tempDir: engineTempDir(runtime.dataDir), ...SAMPLE_ENGINE });
      try {
        const files = await resolveInputs(inputs.paths);
        const source = await openSource(engine, files);
        try {
          const report = await discoverSchema(engine, source);
          // A sampled S3 folder counts all its parts, not the one file read.
          return { report, files: files.length + inputs.partsNotRead, warnings: report.warnings.map((warning) => inputs.say(warning)) };
        } finally {
          await source.close();
        }
      } catch (error) {
        throw inputs.rewrite(error);
      } finally {
        engine.close();
      }
    }),
  );
  const { report } = discovered;
  const columns: DatasetColumn[] = report.columns.map((column) => ({
    name: column.name,
    inferredType: column.contentType,
    emptyRate: column.emptyRate,
    samples: column.samples,
    suggestion: column.suggestion
      ? { type: column.suggestion.type, confidence: column.suggestion.confidence, reason: column.suggestion.reason }
      : { type: null, confidence: 0, reason: 'no identifier recognized in the name or the values' },
  }));
  return insertDataset(runtime.db, {
    name,
    source: {
      keys,
      files: discovered.files,
      format: report.format,
      rows: { count: report.rows.count, exact: report.rows.exact },
      // Discovery's warnings name files (as storage keys), columns and counts; never content.
      warnings: discovered.warnings,
    },
    columns,
    createdBy: actor,
  });
}

export interface PreviewOptions {
  platform: string;
  mappings: ColumnMapping[];
  defaultCountry?: string;
  dateFormat?: DateFormat;
}

export interface PreviewRow {
  raw: string;
  normalized: string | null;
  hash: string | null;
  reason: string | null;
}

export interface PreviewColumn {
  column: string;
  type: IdentifierType;
  validShare: number;
  valid: number;
  empty: number;
  invalid: number;
  invalidByReason: Record<string, number>;
  prehashed: boolean;
  rows: PreviewRow[];
}

export const PREVIEW_ROWS = 2_000;
const EXAMPLES = 5;

/** The rule context of a request: the default country checked as transform checks it. */
export function ruleContext(options: { defaultCountry?: string; dateFormat?: DateFormat }): RuleContext {
  const ctx: RuleContext = {};
  if (options.defaultCountry !== undefined && options.defaultCountry.trim() !== '') {
    const code = options.defaultCountry.trim().toUpperCase();
    if (code.length !== 2 || !countries.isValid(code)) {
      throw new AuError('AU_OPTION_INVALID', `The default country "${options.defaultCountry}" is not an ISO 3166-1 alpha-2 code such as US or GB`, { field: 'defaultCountry' });
    }
    ctx.defaultCountry = code;
  }
  if (options.dateFormat !== undefined) ctx.dateFormat = options.dateFormat;
  return ctx;
}

function maskKindOf(type: IdentifierType, prehashed: boolean): MaskKind {
  if (prehashed) return 'hash';
  if (type === 'EMAIL') return 'email';
  if (type === 'PHONE') return 'phone';
  if (type === 'IDFA' || type === 'GAID' || type === 'MAID') return 'uuid';
  if (type === 'FN' || type === 'LN' || type === 'CT') return 'name';
  return 'generic';
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** What the platform receives for a normalized value: its hash (per field for a split value), or null when sent raw. */
function hashOf(profile: PlatformProfile, type: IdentifierType, value: string, prehashed: boolean): string | null {
  const identifier = profile.identifiers[type];
  if (!identifier) return null;
  if (prehashed) return value;
  if (!identifier.hashed) return null;
  const fields = identifier.fields.map((field) => ({ key: field.key, value: field.slice ? value.slice(field.slice.start - 1, field.slice.start - 1 + field.slice.length) : value }));
  if (fields.length === 1) return sha256(fields[0]!.value);
  return fields.map((field) => `${field.key}=${sha256(field.value)}`).join(' ');
}

/**
 * Applies each mapped column's TypeScript reference rule, for the platform, to the first rows of the dataset (up
 * to 2,000): valid, empty and invalid counts by reason, whether the column is already hashed, and five examples
 * raw (masked) → normalized (masked) → hash. Raw values never leave this function unmasked.
 */
export async function previewDataset(runtime: Runtime, dataset: DatasetRow, options: PreviewOptions): Promise<PreviewColumn[]> {
  const profile = getProfile(options.platform);
  const ctx = ruleContext(options);
  validateMapping(options.mappings, dataset.columns.map((column) => column.name), profile);
  const columns = [...new Set(options.mappings.map((mapping) => mapping.column))];
  const rows = await sampleSlots.run(() =>
    withScratch(runtime, 'preview', async (scratch) => {
      const inputs = await localInputs(runtime, dataset.source.keys, scratch, { sample: true });
      const engine = await openEngine({ tempDir: engineTempDir(runtime.dataDir), ...SAMPLE_ENGINE });
      try {
        const files = await resolveInputs(inputs.paths);
        const source = await openSource(engine, files);
        try {
          const present = new Set(source.columns.map((column) => column.name));
          for (const column of columns) {
            if (!present.has(column)) {
              throw new AuError('AU_MAPPING_COLUMN_MISSING', `The column "${column}" is no longer in the files of dataset ${dataset.id}; discover the dataset again`, { column });
            }
          }
          const selected = columns.map((column, i) => `${sqlIdent(column)} AS c${i}`).join(', ');
          const found = await engine.all<Record<string, string | null>>(`SELECT ${selected} FROM ${source.view} LIMIT ${PREVIEW_ROWS}`);
          return found.map((row) => columns.map((_, i) => row[`c${i}`] ?? null));
        } finally {
          await source.close();
        }
      } catch (error) {
        throw inputs.rewrite(error);
      } finally {
        engine.close();
      }
    }),
  );
  const indexOf = new Map(columns.map((column, i) => [column, i]));
  // Each row's own country, from a mapped COUNTRY column, for phone numbers, states and postal codes.
  const countryMapping = options.mappings.find((mapping) => mapping.type === 'COUNTRY');
  const rowContexts: RowContext[] = rows.map((row) => {
    if (!countryMapping) return {};
    const outcome = countryRule.normalize(row[indexOf.get(countryMapping.column)!], ctx);
    return outcome.ok ? { country: outcome.value.toUpperCase() } : {};
  });
  return options.mappings.map((mapping) => {
    const values = rows.map((row) => row[indexOf.get(mapping.column)!] ?? null);
    const identifier = profile.identifiers[mapping.type];
    const canBePrehashed = identifier !== undefined && identifier.hashed && identifier.fields.every((field) => !field.slice);
    const prehashed = canBePrehashed && detectPrehashed(values).prehashed;
    const rule: NormalizationRule = prehashed ? prehashedRule : (identifier?.rule ?? countryRule);
    const kind = maskKindOf(mapping.type, prehashed);
    let valid = 0;
    let empty = 0;
    const invalidByReason: Partial<Record<InvalidReason, number>> = {};
    const validExamples: PreviewRow[] = [];
    const invalidExamples: PreviewRow[] = [];
    values.forEach((raw, i) => {
      const outcome = rule.normalize(raw, ctx, rowContexts[i]);
      if (outcome.ok) {
        valid += 1;
        if (validExamples.length < EXAMPLES) {
          validExamples.push({ raw: maskValue(raw ?? '', kind), normalized: maskValue(outcome.value, kind), hash: hashOf(profile, mapping.type, outcome.value, prehashed), reason: null });
        }
        return;
      }
      if (outcome.reason === 'empty') {
        empty += 1;
        return;
      }
      invalidByReason[outcome.reason] = (invalidByReason[outcome.reason] ?? 0) + 1;
      if (invalidExamples.length < EXAMPLES) invalidExamples.push({ raw: maskValue(raw ?? '', kind), normalized: null, hash: null, reason: outcome.reason });
    });
    // Mostly valid examples, and the invalid ones a person should see.
    const shownInvalid = invalidExamples.slice(0, Math.max(EXAMPLES - validExamples.length, Math.min(2, invalidExamples.length)));
    const examples = [...validExamples.slice(0, EXAMPLES - shownInvalid.length), ...shownInvalid];
    const invalid = Object.values(invalidByReason).reduce((sum, n) => sum + (n ?? 0), 0);
    return {
      column: mapping.column,
      type: mapping.type,
      validShare: rows.length === 0 ? 0 : Math.round((valid / rows.length) * 10_000) / 10_000,
      valid,
      empty,
      invalid,
      invalidByReason: invalidByReason as Record<string, number>,
      prehashed,
      rows: examples,
    };
  });
}

/** For messages: the dataset's keys. */
export function describeDataset(row: DatasetRow): string {
  return row.source.keys.map((key) => showKey(key)).join(', ');
}
