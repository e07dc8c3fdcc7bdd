import type { Engine } from '../engine/duckdb.js';
import { sqlIdent, sqlString } from '../engine/duckdb.js';
import { AuError } from '../errors.js';
import { assertNoReservedColumns, duckCompression, groupBy, queryInputs, sqlColumnTypes, sqlList, viewSelect, type ScanPlan } from './scan.js';
import { jsonToTextSql } from './sql-text.js';
import { FILE_COLUMN, type SourceFile } from './types.js';

/** DuckDB's `format` for a layout; `auto` tells JSON lines from concatenated documents by itself. */
function jsonFormat(file: SourceFile): string {
  return file.jsonLayout === 'array' ? 'array' : 'auto';
}

function readerOptions(file: SourceFile): string {
  return `format=${sqlString(jsonFormat(file))}, compression=${duckCompression(file)}, hive_partitioning=false`;
}

/**
 * Plans the view over JSON files. Every key is read as DuckDB's JSON type and rendered as text by
 * `jsonToTextSql`, so strings come through exactly (no date or number guessing) and big integers keep their
 * digits. Keys are the union over the files: JSON writers (Spark among them) leave out null fields, so a part
 * file can lack a key without being from another dataset; that is reported as a warning, not an error.
 */
export async function planJson(engine: Engine, files: readonly SourceFile[]): Promise<ScanPlan> {
  const filesWithData: SourceFile[] = [];
  const keys = new Map<string, { name: string; sourceType: string }>();
  const perFile: { file: SourceFile; names: Set<string> }[] = [];
  for (const file of files) {
    const first = await queryInputs<{ t: string | null }>(
      engine,
      `SELECT json_type(json) AS t FROM read_json_objects(${sqlString(file.path)}, ${readerOptions(file)}) LIMIT 1`,
      [file.path],
    );
    if (first.length === 0) continue;
    if (first[0]!.t !== 'OBJECT') {
      throw new AuError('AU_INPUT_FORMAT', `${file.path}: JSON records must be objects with named fields (found ${String(first[0]!.t).toLowerCase()} values)`, {
        file: file.path,
      });
    }
    const described = await queryInputs<{ column_name: string; column_type: string }>(
      engine,
      `DESCRIBE SELECT * FROM read_json(${sqlString(file.path)}, ${readerOptions(file)}, records=true)`,
      [file.path],
    );
    const names = described.map((d) => d.column_name);
    assertNoReservedColumns(file, names);
    filesWithData.push(file);
    perFile.push({ file, names: new Set(names.map((n) => n.toLowerCase())) });
    for (const d of described) if (!keys.has(d.column_name.toLowerCase())) keys.set(d.column_name.toLowerCase(), { name: d.column_name, sourceType: d.column_type });
  }
  const columns = [...keys.values()];
  const warnings: string[] = [];
  const lacking = perFile.filter((f) => columns.some((c) => !f.names.has(c.name.toLowerCase())));
  if (lacking.length > 0 && perFile.length > 1) {
    warnings.push(`${lacking.length} of ${perFile.length} JSON files lack some keys in their first records (first: ${lacking[0]!.file.path}); those values are empty`);
  }

  const names = columns.map((c) => c.name);
  const groups = groupBy(filesWithData, (file) => `${file.compression}/${jsonFormat(file)}`);
  const scans = groups.map(
    (group) =>
      `SELECT * FROM read_json(${sqlList(group.map((f) => f.path))}, ${readerOptions(group[0]!)}, records=true, ` +
      `columns=${sqlColumnTypes(names, 'JSON')}, filename=${sqlString(FILE_COLUMN)})`,
  );
  return {
    sql:
      scans.length === 0
        ? ''
        : viewSelect(
            columns.map((c) => ({ name: c.name, expr: jsonToTextSql(sqlIdent(c.name)) })),
            'CAST(NULL AS BIGINT)',
            scans.join(' UNION ALL BY NAME '),
          ),
    columns,
    rowNumbers: false,
    warnings,
    filesWithData,
  };
}
