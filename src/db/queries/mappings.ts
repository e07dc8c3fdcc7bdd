import { createHash } from 'node:crypto';
import type { Queryable } from '../database.js';

export interface SavedMapping {
  id: number;
  columnsSignature: string;
  platform: string;
  mapping: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, columns_signature AS "columnsSignature", platform, mapping, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** SHA-256 of the sorted column names: the same export layout gives the same signature, whatever the column order. */
export function columnsSignature(columns: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify([...columns].sort())).digest('hex');
}

export async function getSavedMapping(q: Queryable, signature: string, platform: string): Promise<SavedMapping | undefined> {
  const [row] = await q.query<SavedMapping>(`SELECT ${COLUMNS} FROM saved_mappings WHERE columns_signature = $1 AND platform = $2`, [signature, platform]);
  return row;
}

/** Remembers the mapping last used for this column layout and platform. */
export async function saveMapping(q: Queryable, signature: string, platform: string, mapping: Record<string, unknown>): Promise<SavedMapping> {
  const [row] = await q.query<SavedMapping>(
    `INSERT INTO saved_mappings (columns_signature, platform, mapping) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (columns_signature, platform) DO UPDATE SET mapping = excluded.mapping, updated_at = now()
     RETURNING ${COLUMNS}`,
    [signature, platform, JSON.stringify(mapping)],
  );
  return row!;
}

/** Every saved mapping, most recently used first. */
export async function listSavedMappings(q: Queryable, options: { platform?: string; limit?: number } = {}): Promise<SavedMapping[]> {
  return q.query<SavedMapping>(
    `SELECT ${COLUMNS} FROM saved_mappings WHERE ($1::text IS NULL OR platform = $1) ORDER BY updated_at DESC, id DESC LIMIT $2`,
    [options.platform ?? null, options.limit ?? 200],
  );
}

export async function getSavedMappingById(q: Queryable, id: number): Promise<SavedMapping | undefined> {
  const [row] = await q.query<SavedMapping>(`SELECT ${COLUMNS} FROM saved_mappings WHERE id = $1`, [id]);
  return row;
}

/** Whether it existed. */
export async function deleteSavedMapping(q: Queryable, id: number): Promise<boolean> {
  return (await q.query('DELETE FROM saved_mappings WHERE id = $1 RETURNING id', [id])).length > 0;
}
