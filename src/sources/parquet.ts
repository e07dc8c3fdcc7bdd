import type { Engine } from '../engine/duckdb.js';
import { sqlIdent, sqlString } from '../engine/duckdb.js';
import { assertNoReservedColumns, assertSameColumns, queryInputs, sqlList, viewSelect, type ScanPlan } from './scan.js';
import { castToTextSql } from './sql-text.js';
import { FILE_COLUMN, type SourceFile } from './types.js';

const ROW_NUMBER = 'file_row_number';

/**
 * Plans the view over Parquet files: one scan by column name, each column rendered as text by its type, and
 * `__row` from the reader's `file_row_number` (free: Parquet knows row positions). The row count comes from
 * the files' metadata, so it is exact without reading data.
 */
export async function planParquet(engine: Engine, files: readonly SourceFile[]): Promise<ScanPlan & { rows: number }> {
  const paths = files.map((f) => f.path);
  const meta = await queryInputs<{ file_name: string; num_rows: bigint }>(
    engine,
    `SELECT file_name, num_rows FROM parquet_file_metadata(${sqlList(paths)})`,
    paths,
  );
  const rowsByFile = new Map(meta.map((m) => [m.file_name, Number(m.num_rows)]));
  const schemas: { file: SourceFile; columns: string[] }[] = [];
  for (const file of files) {
    const described = await queryInputs<{ column_name: string }>(engine, `DESCRIBE SELECT * FROM read_parquet(${sqlString(file.path)})`, [file.path]);
    const columns = described.map((d) => d.column_name);
    assertNoReservedColumns(file, columns, [ROW_NUMBER]);
    schemas.push({ file, columns });
  }
  assertSameColumns(schemas);

  const scan = `SELECT * FROM read_parquet(${sqlList(paths)}, union_by_name=true, hive_partitioning=false, filename=${sqlString(FILE_COLUMN)}, file_row_number=true)`;
  // The unified types across files (an INT32 part and a DOUBLE part give DOUBLE).
  const unified = await queryInputs<{ column_name: string; column_type: string }>(engine, `DESCRIBE ${scan}`, paths);
  const typeOf = new Map(unified.map((u) => [u.column_name.toLowerCase(), u.column_type]));
  const columns = schemas[0]!.columns.map((name) => ({ name, sourceType: typeOf.get(name.toLowerCase()) ?? 'VARCHAR' }));
  const filesWithData = files.filter((f) => (rowsByFile.get(f.path) ?? 0) > 0);
  const rows = filesWithData.reduce((sum, f) => sum + (rowsByFile.get(f.path) ?? 0), 0);
  const warnings = filesWithData.length < files.length && filesWithData.length > 0 ? [`${files.length - filesWithData.length} Parquet file(s) have no rows`] : [];
  return {
    sql: viewSelect(
      columns.map((c) => ({ name: c.name, expr: castToTextSql(sqlIdent(c.name), c.sourceType) })),
      `${sqlIdent(ROW_NUMBER)} + 1`,
      scan,
    ),
    columns,
    rowNumbers: true,
    warnings,
    filesWithData,
    rows,
  };
}
