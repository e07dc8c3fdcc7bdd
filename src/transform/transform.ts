import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import countries from 'i18n-iso-countries';
import { openEngine, sqlIdent, engineTempDir, type Engine } from '../engine/duckdb.js';
import { AuError } from '../errors.js';
import { getProfile } from '../destinations/registry.js';
import type { PlatformProfile } from '../destinations/profile.js';
import { buildNormalizeQuery, type NormalizeColumn } from '../identifiers/normalize-sql.js';
import { addHashEnum, collectDistinctKeys, HASH_ENUM_MAX_LABELS, createDictionary, dictionaryRule, DICTIONARY_MAX_DISTINCT_SHARE, usesRowCountry, withResolvedCountry } from './dictionary.js';
import { createLookupTables } from '../identifiers/lookups.js';
import { countryRule } from '../identifiers/rules/region.js';
import { prehashedFromCounts, prehashedRule, sqlPrehashCounts, type PrehashedDetection } from '../identifiers/rules/prehashed.js';
import type { DateFormat, InvalidReason, NormalizationRule, RuleContext } from '../identifiers/rule.js';
import { openSource, resolveInputs, wrapEngineError, type Source } from '../sources/index.js';
import { BUCKET_COLUMN, bucketLine, writeBucketedParts, writeSortedParts, type OutputFile } from './file-parts.js';
import { planLayout, type FieldSource, type OutputLayout } from './layout.js';
import { mismappingWarnings, validateMapping, type ColumnMapping } from './mapping.js';
import { discoverSchema } from '../discover/index.js';
import type { ColumnReport, TransformReport } from './report.js';

export interface TransformOptions {
  inputs: string[];
  destination: string;
  mappings: ColumnMapping[];
  /** Must not exist or be empty; written only when the whole transform succeeded. */
  outDir: string;
  /** Working folder (DuckDB spill files). */
  dataDir: string;
  defaultCountry?: string;
  dateFormat?: DateFormat;
  currentYear?: number;
  memoryLimit?: string;
  threads?: number;
  onStage?: (stage: TransformStage) => void;
}

export type TransformStage = 'reading' | 'normalizing' | 'counting' | 'writing' | 'done';

/** Rows sampled to check that each mapped column looks like its identifier. */
const MAPPING_CHECK_SAMPLE = 5_000;

/** Values sampled per column to decide whether it already holds SHA-256 hashes. */
const PREHASH_SAMPLE = 10_000;
/** Rows read at once for every column's pre-hash sample; a column with fewer values there is sampled on its own. */
const PREHASH_SHARED_ROWS = 30_000;

/**
 * Reads the input, normalizes and hashes every mapped identifier with the destination's rules, dedupes, and
 * writes exactly what would be uploaded plus report.json. All per-value work runs as DuckDB SQL.
 */
export async function transform(options: TransformOptions): Promise<TransformReport> {
  const profile = getProfile(options.destination);
  const ctx = ruleContext(options);
  const outDir = resolve(options.outDir);
  assertEmptyOutput(outDir);
  const staging = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  const engine = await openEngine({ tempDir: engineTempDir(options.dataDir), memoryLimit: options.memoryLimit, threads: options.threads });
  try {
    options.onStage?.('reading');
    const files = await resolveInputs(options.inputs);
    const source = await openSource(engine, files);
    validateMapping(options.mappings, source.columns.map((c) => c.name), profile);
    const discovery = await discoverSchema(engine, source, { sampleRows: MAPPING_CHECK_SAMPLE, columns: options.mappings.map((m) => m.column) });
    const suggestions = discovery.columns.flatMap((c) => (c.suggestion ? [{ column: c.name, type: c.suggestion.type, confidence: c.suggestion.confidence }] : []));
    await createLookupTables(engine);

    const columns = await planColumns(engine, source, options.mappings, profile);
    const layout = planLayout(options.mappings, profile);
    options.onStage?.('normalizing');
    const { query, dictionaries, input, hashedValues } = await normalizeQuery(engine, source, columns, ctx, wholeHashedOutputs(layout, columns));
    // Readers over CSV report a tiny row estimate; the optimizer would then build the joins' hash tables on the
    // input instead of the small dictionaries and run out of memory. Left joins build on the right as written.
    await engine.run(`SET disabled_optimizers = 'build_side_probe_side'`);
    await engine.run(`CREATE OR REPLACE TEMP TABLE au_norm AS ${query}`);
    await engine.run('RESET disabled_optimizers');
    if (input) await engine.run(`DROP TABLE ${sqlIdent(input)}`);

    options.onStage?.('counting');
    const counts = await countReasons(engine, columns.length, layout);
    const rejects = await source.rejects();
    const unreadable = rejects.reduce((sum, r) => sum + r.count, 0);

    options.onStage?.('writing');
    const outputFiles = await writeOutput(engine, layout, columns, { dictionaries, hashedValues }, counts.records, staging);
    const kept = outputFiles.reduce((sum, f) => sum + f.rows, 0);

    const report: TransformReport = {
      version: 1,
      destination: profile.platform,
      inputs: files.map((f) => ({ path: f.path, format: f.format, bytes: f.bytes })),
      settings: { defaultCountry: ctx.defaultCountry ?? null, dateFormat: ctx.dateFormat ?? null },
      rows: {
        read: counts.rows + unreadable,
        unreadable,
        withIdentifier: counts.rowsWithIdentifier,
        withoutIdentifier: counts.rows - counts.rowsWithIdentifier,
        duplicates: counts.records - kept,
        kept,
      },
      columns: columns.map((c, i) => columnReport(c, counts.perColumn[i]!)),
      sourceRejects: rejects,
      output: {
        layout: layout.kind,
        typeName: layout.typeName,
        header: layout.kind === 'multi' ? layout.header : null,
        files: outputFiles,
      },
      warnings: [...mismappingWarnings(options.mappings, suggestions), ...warningsFor(columns, counts, unreadable, kept)],
    };
    writeFileSync(join(staging, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    if (existsSync(outDir)) rmdirSync(outDir);
    renameSync(staging, outDir);
    options.onStage?.('done');
    return report;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // DuckDB's messages can quote an input line; keep only the file, the line and our own wording.
    throw wrapEngineError(error, options.inputs);
  } finally {
    engine.close();
  }
}

function ruleContext(options: TransformOptions): RuleContext {
  const ctx: RuleContext = { currentYear: options.currentYear };
  if (options.defaultCountry !== undefined) {
    const code = options.defaultCountry.trim().toUpperCase();
    if (!countries.isValid(code) || code.length !== 2) {
      throw new AuError('AU_OPTION_INVALID', `--default-country "${options.defaultCountry}" is not an ISO 3166-1 alpha-2 code such as US or GB`);
    }
    ctx.defaultCountry = code;
  }
  if (options.dateFormat !== undefined) ctx.dateFormat = options.dateFormat;
  return ctx;
}

function assertEmptyOutput(outDir: string): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory() || readdirSync(outDir).length > 0) {
    throw new AuError('AU_OUTPUT_EXISTS', `output folder ${outDir} exists and is not empty; choose a new folder`);
  }
}

interface PlannedColumn {
  mapping: ColumnMapping;
  /** The rule applied (for the report); `sqlRule` may answer for it from a dictionary. */
  rule: NormalizationRule;
  /** Normalize once per distinct value (few distinct values) or per row. */
  dictionary: boolean;
  prehashed: boolean;
  hexShare: number;
  mixed: boolean;
  contextOnly: boolean;
}

/** Picks each column's rule: the platform's, or pass-through when the column already holds SHA-256 hashes. */
async function planColumns(engine: Engine, source: Source, mappings: readonly ColumnMapping[], profile: PlatformProfile): Promise<PlannedColumn[]> {
  // The samples below are the input's first rows, not whichever rows a parallel scan returns first: the pre-hashed
  // detection decides the output, and the same input must give the same output. Order is kept only here (a LIMIT
  // stops the scan early, so it costs nothing); the bulk queries run without it.
  await engine.run('SET preserve_insertion_order = true');
  try {
    return await planColumnsInOrder(engine, source, mappings, profile);
  } finally {
    await engine.run('SET preserve_insertion_order = false');
  }
}

/**
 * Each column's pre-hash detection from its first PREHASH_SAMPLE non-blank values, in input order, counted in SQL
 * (`sqlPrehashCounts`). One query over the first rows serves every column that has that many values there (each
 * scan of a CSV parses it again); the others are sampled alone.
 */
async function prehashDetections(engine: Engine, source: Source, columns: readonly string[]): Promise<Map<string, PrehashedDetection>> {
  const detections = new Map<string, PrehashedDetection>();
  if (columns.length === 0) return detections;
  const present = (column: string) => `nullif(trim(${sqlIdent(column)}), '') IS NOT NULL`;
  const sample = (column: string, from: string) => `SELECT ${sqlIdent(column)} AS v FROM ${from} WHERE ${present(column)} LIMIT ${PREHASH_SAMPLE}`;
  const firstRows = `(SELECT ${columns.map(sqlIdent).join(', ')} FROM ${source.view} LIMIT ${PREHASH_SHARED_ROWS})`;
  type Counts = { c: number; values: bigint; non_empty: bigint; hex: bigint };
  const shared = await engine.all<Counts>(columns.map((column, c) => `SELECT ${c} AS c, * FROM (${sqlPrehashCounts(sample(column, firstRows))})`).join(' UNION ALL '));
  for (const row of shared) {
    const column = columns[Number(row.c)]!;
    // Short of the sample (placeholders count as values here), this column is read on its own.
    const counted = Number(row.values) < PREHASH_SAMPLE ? (await engine.all<Counts>(sqlPrehashCounts(sample(column, source.view))))[0]! : row;
    detections.set(column, prehashedFromCounts(Number(counted.non_empty), Number(counted.hex)));
  }
  return detections;
}

async function planColumnsInOrder(engine: Engine, source: Source, mappings: readonly ColumnMapping[], profile: PlatformProfile): Promise<PlannedColumn[]> {
  const distinctShares = await sampleDistinctShares(engine, source, mappings);
  // A value split into several fields (a date of birth into year, month, day) cannot arrive pre-hashed.
  const canBePrehashed = (mapping: ColumnMapping) => {
    const identifier = profile.identifiers[mapping.type];
    return identifier !== undefined && identifier.hashed && identifier.fields.every((f) => !f.slice);
  };
  const detections = await prehashDetections(engine, source, [...new Set(mappings.filter(canBePrehashed).map((m) => m.column))]);
  const planned: PlannedColumn[] = [];
  for (const mapping of mappings) {
    const identifier = profile.identifiers[mapping.type];
    if (!identifier) {
      planned.push({ mapping, rule: countryRule, dictionary: true, prehashed: false, hexShare: 0, mixed: false, contextOnly: true });
      continue;
    }
    const detection = (canBePrehashed(mapping) ? detections.get(mapping.column) : undefined) ?? { prehashed: false, mixed: false, hexShare: 0 };
    planned.push({
      mapping,
      rule: detection.prehashed ? prehashedRule : identifier.rule,
      // COUNTRY always: other dictionaries are keyed by the row country it gives.
      dictionary: mapping.type === 'COUNTRY' || (distinctShares.get(mapping.column) ?? 1) <= DICTIONARY_MAX_DISTINCT_SHARE,
      prehashed: detection.prehashed,
      hexShare: detection.hexShare,
      mixed: detection.mixed,
      contextOnly: false,
    });
  }
  return planned;
}

/** Rows sampled to estimate each column's share of distinct values. */
const DISTINCT_SAMPLE_ROWS = 200_000;

async function sampleDistinctShares(engine: Engine, source: Source, mappings: readonly ColumnMapping[]): Promise<Map<string, number>> {
  const columns = [...new Set(mappings.map((m) => m.column))];
  const estimates = columns.map((c, i) => `approx_count_distinct(${sqlIdent(c)}) AS d${i}`);
  const [row] = await engine.all<Record<string, bigint>>(
    `SELECT count(*) AS n, ${estimates.join(', ')} FROM (SELECT * FROM ${source.view} LIMIT ${DISTINCT_SAMPLE_ROWS})`,
  );
  const n = Number(row?.n ?? 0);
  return new Map(columns.map((c, i) => [c, n === 0 ? 1 : Number(row![`d${i}`]) / n]));
}

/** The main normalization query, and the dictionary table of each column normalized by one (by column index). */
interface NormalizePlan {
  query: string;
  dictionaries: Map<number, string>;
  /** Columns (by index) whose normalized value the query gives as its hash already (see `addHashEnum`). */
  hashedValues: Set<number>;
  /** The table the input was read into, to drop once normalized. */
  input?: string;
}

/**
 * Columns (by index) each of whose output fields is its whole value, hashed here: for those, a dictionary can give
 * the hash instead of the value.
 */
function wholeHashedOutputs(layout: OutputLayout, columns: readonly PlannedColumn[]): Set<number> {
  const fields = layout.kind === 'single' ? layout.source : layout.columns;
  const whole = new Set(fields.map((f) => f.mapping));
  for (const field of fields) if (field.slice || !hashes(field, columns)) whole.delete(field.mapping);
  return whole;
}

/**
 * The main normalization query. Dictionary columns are normalized first, once per distinct value, into tables
 * the query joins; their keys come from the input read once into a table (which the query then reads instead of
 * the input), and the COUNTRY dictionary is built first because the country-dependent ones resolve their keys'
 * country through it.
 */
async function normalizeQuery(engine: Engine, source: Source, columns: readonly PlannedColumn[], ctx: RuleContext, hashable: ReadonlySet<number>): Promise<NormalizePlan> {
  const countryIndex = columns.findIndex((c) => c.mapping.type === 'COUNTRY');
  const countryColumn = countryIndex >= 0 ? columns[countryIndex] : undefined;
  const countryTable = 'au_dict_country';
  const countryName = countryColumn?.mapping.column;
  const dictionaries = columns
    .map((column, index) => ({ column, index, byCountry: countryColumn !== undefined && usesRowCountry(column.rule, ctx) }))
    .filter(({ column, index }) => column.dictionary && index !== countryIndex);
  const sets = [...(countryName ? [{ column: countryName, byCountry: false }] : []), ...dictionaries.map((d) => ({ column: d.column.mapping.column, byCountry: d.byCountry }))];
  // Each scan of a CSV input parses all of it: with dictionaries, the mapped columns are read once into a table that
  // gives both the dictionaries' keys and the main query's rows.
  let from = source.view;
  let collected: { keys: string[]; tables: string[] } = { keys: [], tables: [] };
  if (sets.length) {
    from = 'au_input';
    const mapped = [...new Set(columns.map((c) => sqlIdent(c.mapping.column)))];
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${from} AS SELECT ${mapped.join(', ')} FROM ${source.view}`);
    collected = await collectDistinctKeys(engine, from, sets, countryName);
  }
  const keys = collected.keys;
  const dictionaryKeys = countryName ? keys.slice(1) : keys;
  const rules = new Map<number, NormalizationRule>();
  const tables = new Map<number, string>();
  if (countryColumn) {
    await createDictionary(engine, { table: countryTable, keys: keys[0]!, rule: countryColumn.rule, ctx, byCountry: false });
    rules.set(countryIndex, dictionaryRule(countryTable, countryColumn.rule));
    tables.set(countryIndex, countryTable);
  }
  const hashedValues = new Set<number>();
  let labelBudget = HASH_ENUM_MAX_LABELS;
  for (const [k, { column, index, byCountry }] of dictionaries.entries()) {
    const table = `au_dict_${index}`;
    const setKeys = byCountry ? withResolvedCountry(dictionaryKeys[k]!, countryTable, ctx) : dictionaryKeys[k]!;
    await createDictionary(engine, { table, keys: setKeys, rule: column.rule, ctx, byCountry });
    const hashType = `au_hash_${index}`;
    const labels = hashable.has(index) ? await addHashEnum(engine, table, hashType, labelBudget) : null;
    const hashed = labels !== null;
    if (hashed) {
      hashedValues.add(index);
      labelBudget -= labels;
    }
    rules.set(index, dictionaryRule(table, column.rule, { byCountry, hashType: hashed ? hashType : undefined }));
    tables.set(index, table);
  }
  // The keys are in the dictionaries now; their memory is better spent on the main query.
  for (const table of collected.tables) await engine.run(`DROP TABLE ${sqlIdent(table)}`);
  const normalizeColumns: NormalizeColumn[] = columns.map((column, i) => ({
    name: `m${i}`,
    input: sqlIdent(column.mapping.column),
    rule: rules.get(i) ?? column.rule,
  }));
  const query = buildNormalizeQuery({ from, columns: normalizeColumns, countryColumn: countryColumn ? `m${countryIndex}` : undefined, ctx });
  return { query, dictionaries: tables, hashedValues, input: from === source.view ? undefined : from };
}

interface ReasonCounts {
  rows: number;
  rowsWithIdentifier: number;
  /** Output records before dedupe: values for a single-type file, rows with any field for multi-field rows. */
  records: number;
  perColumn: Map<string | null, number>[];
}

/** One scan over the normalized rows, grouped by each column's reason, gives every count of the report. */
async function countReasons(engine: Engine, columnCount: number, layout: OutputLayout): Promise<ReasonCounts> {
  const reasons = Array.from({ length: columnCount }, (_, i) => sqlIdent(`m${i}_reason`));
  const rows = await engine.all<Record<string, string | null | bigint>>(
    `SELECT ${reasons.join(', ')}, count(*) AS n FROM au_norm GROUP BY ALL`,
  );
  const outputMappings = new Set(
    layout.kind === 'single' ? layout.source.map((s) => s.mapping) : layout.columns.map((s) => s.mapping),
  );
  const perColumn = Array.from({ length: columnCount }, () => new Map<string | null, number>());
  let total = 0;
  let withIdentifier = 0;
  let records = 0;
  for (const row of rows) {
    const n = Number(row.n);
    total += n;
    let validOutputs = 0;
    for (let i = 0; i < columnCount; i++) {
      const reason = (row[`m${i}_reason`] ?? null) as string | null;
      perColumn[i]!.set(reason, (perColumn[i]!.get(reason) ?? 0) + n);
      if (reason === null && outputMappings.has(i)) validOutputs += 1;
    }
    if (validOutputs > 0) withIdentifier += n;
    records += layout.kind === 'single' ? validOutputs * n : validOutputs > 0 ? n : 0;
  }
  return { rows: total, rowsWithIdentifier: withIdentifier, records, perColumn };
}

function fieldExpr(field: FieldSource): string {
  const value = sqlIdent(`m${field.mapping}_value`);
  return field.slice ? `substr(${value}, ${field.slice.start}, ${field.slice.length})` : value;
}

/** Whether an output field is hashed here: pre-hashed columns are passed through (hashed twice, they would never match). */
function hashes(field: FieldSource, columns: readonly PlannedColumn[]): boolean {
  return field.hashed && !columns[field.mapping]!.prehashed;
}

/** Where the output values come from besides au_norm: dictionary tables, and which columns it holds hashed. */
interface OutputSources {
  dictionaries: ReadonlyMap<number, string>;
  hashedValues: ReadonlySet<number>;
}

/** The output text of `expr`, a field's value in au_norm: hashed here, or already hashed by its dictionary. */
function hashIf(field: FieldSource, columns: readonly PlannedColumn[], sources: OutputSources, expr: string): string {
  if (sources.hashedValues.has(field.mapping)) return `${expr}::VARCHAR`;
  return hashes(field, columns) ? `sha256(${expr})` : expr;
}

/**
 * Hash tables: for each dictionary column whose whole value is an output field to hash, its valid values with their
 * SHA-256 (`value`, `hash`). Each value is then hashed once, not once per output row: names, postal codes and
 * countries repeat across millions of rows, and SHA-256 was the biggest cost of writing the output. Returns the
 * table of each such column (by index).
 */
async function createHashTables(engine: Engine, layout: OutputLayout, columns: readonly PlannedColumn[], sources: OutputSources): Promise<Map<number, string>> {
  const tables = new Map<number, string>();
  for (const field of layout.kind === 'single' ? layout.source : layout.columns) {
    const dictionary = sources.dictionaries.get(field.mapping);
    if (!dictionary || field.slice || !hashes(field, columns) || sources.hashedValues.has(field.mapping) || tables.has(field.mapping)) continue;
    const table = `au_hash_${field.mapping}`;
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} AS SELECT DISTINCT value, sha256(value) AS hash FROM ${sqlIdent(dictionary)} WHERE reason IS NULL`);
    tables.set(field.mapping, table);
  }
  return tables;
}

/** The output rows' column holding a 64-bit hash of the row, which picks its bucket. */
const ROW_HASH = '__h';

/**
 * The deduplicated, hashed output rows, columns `o0`, `o1`, ... and ROW_HASH. Dedupe runs on normalized values
 * before hashing, so each distinct value is hashed once; values of a column with a hash table (`createHashTables`)
 * take their hash from it.
 */
function outputRows(layout: OutputLayout, columns: readonly PlannedColumn[], sources: OutputSources, hashTables: ReadonlyMap<number, string>): { rows: string; width: number } {
  const tableOf = (field: FieldSource) => (field.slice ? undefined : hashTables.get(field.mapping));
  if (layout.kind === 'single') {
    const values = layout.source.map((field) => `SELECT ${fieldExpr(field)} AS v FROM au_norm`);
    const perSource = layout.source.map((field, i) => {
      const distinct = `SELECT DISTINCT v FROM (${values[i]})`;
      const table = tableOf(field);
      // The hash table holds every valid value of the column, so the inner join only drops the NULLs.
      return table
        ? `SELECT h.hash AS o0 FROM (${distinct}) AS d JOIN ${sqlIdent(table)} AS h ON h.value = d.v`
        : `SELECT ${hashIf(field, columns, sources, 'v')} AS o0 FROM (${distinct}) WHERE v IS NOT NULL`;
    });
    // Several columns of one type are pooled; a value found in two of them is still sent once.
    const rows = perSource.length === 1 ? perSource[0]! : `SELECT DISTINCT o0 FROM (${perSource.join(' UNION ALL ')})`;
    return { rows: `SELECT o0, hash(o0) AS ${ROW_HASH} FROM (${rows})`, width: 1 };
  }
  const fields = layout.columns.map((field, i) => `${fieldExpr(field)} AS f${i}`);
  const names = layout.columns.map((_, i) => `f${i}`);
  const anyPresent = names.map((f) => `${f} IS NOT NULL`).join(' OR ');
  const joins: string[] = [];
  const hashed = layout.columns.map((field, i) => {
    const table = tableOf(field);
    if (!table) return `${hashIf(field, columns, sources, `f${i}`)} AS o${i}`;
    joins.push(`LEFT JOIN ${sqlIdent(table)} AS h${i} ON h${i}.value = f${i}`);
    return `h${i}.hash AS o${i}`;
  });
  const distinct = `SELECT DISTINCT ${fields.join(', ')} FROM au_norm`;
  // The row hash (for its bucket) over the values before hashing: shorter than the hashes, and as unique.
  const rowHash = `hash(${names.join(', ')}) AS ${ROW_HASH}`;
  return { rows: `SELECT ${hashed.join(', ')}, ${rowHash} FROM (${distinct}) AS d ${joins.join(' ')} WHERE ${anyPresent}`, width: layout.columns.length };
}

/**
 * Bytes per bucket: a bucket is sorted in memory at once (so this counts against the memory goal), and DuckDB
 * writes many partitions markedly slower than few (measured: 16 buckets as fast as one file, 250 buckets 40% slower).
 */
const BUCKET_BYTES = 64 * 1024 * 1024;
/** Most buckets DuckDB writes at once within its memory limit (measured at 600 MB: 291 fit, 582 did not). */
const MAX_BUCKETS = 300;
/** Upper bound of an output field's bytes with its separator: a hash; raw MADID and EXTERN_ID are shorter. */
const FIELD_BYTES = 65;

async function writeOutput(
  engine: Engine,
  layout: OutputLayout,
  columns: readonly PlannedColumn[],
  sources: OutputSources,
  records: number,
  outDir: string,
): Promise<OutputFile[]> {
  const hashTables = await createHashTables(engine, layout, columns, sources);
  const { rows, width } = outputRows(layout, columns, sources, hashTables);
  // From the count before dedupe, which is exact; the bucket count only has to be the same for the same input.
  const buckets = Math.max(1, Math.ceil((records * width * FIELD_BYTES) / BUCKET_BYTES));
  const outputs = Array.from({ length: width }, (_, i) => `o${i}`);
  const bucket = `${ROW_HASH} % ${buckets}`;
  const parts = {
    outDir,
    prefix: layout.filePrefix,
    header: layout.kind === 'multi' ? layout.header.join(',') : undefined,
    maxBytes: layout.maxFileBytes,
    maxRows: layout.kind === 'multi' ? layout.maxRows : undefined,
  };
  // The lines are their own sort key (`sortBucketLines`): their first field is mostly a hash already, and a written
  // key would add 17 bytes to every line.
  // DuckDB buffers every partition of a partitioned write at once; past a few dozen, that outgrows the memory
  // limit, so bigger outputs take DuckDB's external sort instead.
  if (buckets > MAX_BUCKETS) return writeSortedParts(engine, `SELECT ${outputs.join(', ')}, ${bucket} AS ${BUCKET_COLUMN} FROM (${rows})`, parts, { keyed: false });
  // Fields that are all hashes (64 hex digits, or NULL) never need CSV quoting: the line can be built as one
  // column, which DuckDB writes faster than the fields as columns. Raw fields (MADID, EXTERN_ID) take the CSV writer.
  const fields = layout.kind === 'single' ? layout.source : layout.columns;
  const lineColumn = fields.every((field) => field.hashed);
  const line = lineColumn ? bucketLine(outputs) : outputs.join(', ');
  return writeBucketedParts(engine, `SELECT ${line}, ${bucket} AS ${BUCKET_COLUMN} FROM (${rows})`, buckets, parts, { lineColumn, keyed: false });
}

function columnReport(column: PlannedColumn, counts: Map<string | null, number>): ColumnReport {
  const invalid: Partial<Record<InvalidReason, number>> = {};
  for (const [reason, n] of [...counts.entries()].sort(([a], [b]) => String(a).localeCompare(String(b)))) {
    if (reason !== null && reason !== 'empty') invalid[reason as InvalidReason] = n;
  }
  return {
    column: column.mapping.column,
    identifier: column.mapping.type,
    rule: column.rule.name,
    prehashed: column.prehashed,
    hexShare: Math.round(column.hexShare * 10_000) / 10_000,
    contextOnly: column.contextOnly,
    valid: counts.get(null) ?? 0,
    empty: counts.get('empty') ?? 0,
    invalid,
  };
}

function warningsFor(columns: readonly PlannedColumn[], counts: ReasonCounts, unreadable: number, kept: number): string[] {
  const warnings: string[] = [];
  columns.forEach((c, i) => {
    const perReason = counts.perColumn[i]!;
    const present = counts.rows - (perReason.get('empty') ?? 0);
    if (present > 0 && !perReason.has(null)) {
      const [topReason] = [...perReason].filter(([r]) => r !== 'empty').sort((a, b) => b[1] - a[1])[0]!;
      warnings.push(`column "${c.mapping.column}" has no valid ${c.mapping.type} value (mostly ${topReason}); is it mapped to the right identifier?`);
    }
  });
  if (kept === 0) warnings.push('no row has a valid identifier: there is nothing to upload');
  for (const c of columns) {
    if (c.mixed) {
      const share = Math.round(c.hexShare * 100);
      warnings.push(
        c.prehashed
          ? `column "${c.mapping.column}" is mostly SHA-256 hashes (${share}%); its other values are counted invalid, not hashed`
          : `column "${c.mapping.column}" holds some SHA-256 hashes (${share}%) among plain values; those are counted invalid`,
      );
    }
  }
  if (unreadable > 0) warnings.push(`${unreadable} input rows could not be read; see sourceRejects`);
  return warnings;
}
