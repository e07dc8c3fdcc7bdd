import type { Queryable } from '../database.js';

export interface Audience {
  id: number;
  destinationId: number;
  /** The platform's id of the audience. */
  platformAudienceId: string;
  name: string;
  /** The identifier layout it holds (TikTok calculate_type, Meta schema signature), when known. */
  typeName: string | null;
  /** Whether this installation created it (reused by name before other same-named audiences). */
  createdHere: boolean;
  /** Storage path of the hashed member list last synced. */
  lastSnapshot: string | null;
  lastSyncedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, destination_id AS "destinationId", platform_audience_id AS "platformAudienceId", name,
  type_name AS "typeName", created_here AS "createdHere", last_snapshot AS "lastSnapshot",
  last_synced_at AS "lastSyncedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function getAudience(q: Queryable, id: number): Promise<Audience | undefined> {
  const [row] = await q.query<Audience>(`SELECT ${COLUMNS} FROM audiences WHERE id = $1`, [id]);
  return row;
}

/**
 * The audiences known under this name in a destination: the ones this installation created first, then the
 * oldest. Several are possible (TikTok allows duplicate names); the caller decides what that means.
 */
export async function findAudiencesByName(q: Queryable, destinationId: number, name: string): Promise<Audience[]> {
  return q.query<Audience>(
    `SELECT ${COLUMNS} FROM audiences WHERE destination_id = $1 AND name = $2
     ORDER BY created_here DESC, created_at, id`,
    [destinationId, name],
  );
}

export async function getAudienceByPlatformId(q: Queryable, destinationId: number, platformAudienceId: string): Promise<Audience | undefined> {
  const [row] = await q.query<Audience>(
    `SELECT ${COLUMNS} FROM audiences WHERE destination_id = $1 AND platform_audience_id = $2`,
    [destinationId, platformAudienceId],
  );
  return row;
}

export async function listAudiences(q: Queryable, destinationId: number): Promise<Audience[]> {
  return q.query<Audience>(`SELECT ${COLUMNS} FROM audiences WHERE destination_id = $1 ORDER BY name, id`, [destinationId]);
}

export interface AudienceToUpsert {
  destinationId: number;
  platformAudienceId: string;
  name: string;
  typeName?: string | null;
  /** Set when this installation just created it; an audience once created here stays so. */
  createdHere?: boolean;
}

/**
 * Records an audience by its platform id, or refreshes its name and type (a rename on the platform); the
 * snapshot is kept.
 */
export async function upsertAudience(q: Queryable, audience: AudienceToUpsert): Promise<Audience> {
  const [row] = await q.query<Audience>(
    `INSERT INTO audiences (destination_id, platform_audience_id, name, type_name, created_here)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (destination_id, platform_audience_id) DO UPDATE SET
       name = excluded.name,
       type_name = coalesce(excluded.type_name, audiences.type_name),
       created_here = audiences.created_here OR excluded.created_here,
       updated_at = now()
     RETURNING ${COLUMNS}`,
    [audience.destinationId, audience.platformAudienceId, audience.name, audience.typeName ?? null, audience.createdHere ?? false],
  );
  return row!;
}

/** After a successful sync: the member list now on the platform, and when. */
export async function setAudienceSnapshot(q: Queryable, id: number, snapshot: { path: string | null; syncedAt?: Date }): Promise<Audience | undefined> {
  const [row] = await q.query<Audience>(
    `UPDATE audiences SET last_snapshot = $2, last_synced_at = coalesce($3::timestamptz, now()), updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, snapshot.path, snapshot.syncedAt ?? null],
  );
  return row;
}

/** Forgets an audience (deleted on the platform); its jobs stay, without an audience. */
export async function deleteAudience(q: Queryable, id: number): Promise<boolean> {
  const rows = await q.query('DELETE FROM audiences WHERE id = $1 RETURNING id', [id]);
  return rows.length > 0;
}
