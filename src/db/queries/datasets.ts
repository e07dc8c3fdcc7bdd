import type { Queryable } from '../database.js';

/**
 * The SQL of datasets: a set of input files in storage (files, or folders of part files, with the same columns)
 * and what discovery found in them. Columns hold names, types, rates and masked samples only: never raw values.
 */

/** What discovery found about one column. `samples` are masked (src/discover/mask.ts). */
export interface DatasetColumn {
  name: string;
  inferredType: string;
  emptyRate: number;
  samples: string[];
  suggestion: { type: string | null; confidence: number; reason: string };
}

/** `datasets.source`: where the files are and what they are. */
export interface DatasetSource {
  /** Storage keys as chosen (files or folders). */
  keys: string[];
  /** Data files found below the keys. */
  files: number;
  format: string;
  rows: { count: number; exact: boolean };
  warnings: string[];
}

export interface DatasetRow {
  id: number;
  name: string;
  source: DatasetSource;
  columns: DatasetColumn[];
  createdBy: string | null;
  createdAt: Date;
}

const COLUMNS = `id, name, source, columns, created_by AS "createdBy", created_at AS "createdAt"`;

export async function insertDataset(q: Queryable, dataset: { name: string; source: DatasetSource; columns: DatasetColumn[]; createdBy: string }): Promise<DatasetRow> {
  const [row] = await q.query<DatasetRow>(
    `INSERT INTO datasets (name, source, columns, created_by) VALUES ($1, $2::jsonb, $3::jsonb, $4) RETURNING ${COLUMNS}`,
    [dataset.name, JSON.stringify(dataset.source), JSON.stringify(dataset.columns), dataset.createdBy],
  );
  return row!;
}

export async function getDataset(q: Queryable, id: number): Promise<DatasetRow | undefined> {
  const [row] = await q.query<DatasetRow>(`SELECT ${COLUMNS} FROM datasets WHERE id = $1`, [id]);
  return row;
}

/** Newest first. */
export async function listDatasets(q: Queryable, options: { limit: number }): Promise<DatasetRow[]> {
  return q.query<DatasetRow>(`SELECT ${COLUMNS} FROM datasets ORDER BY created_at DESC, id DESC LIMIT $1`, [Math.min(Math.max(Math.trunc(options.limit), 1), 500)]);
}
