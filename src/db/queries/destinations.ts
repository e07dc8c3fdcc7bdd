import { AuError } from '../../errors.js';
import type { Queryable } from '../database.js';
import { isUniqueViolation } from '../sql-errors.js';

export interface Destination {
  id: number;
  /** The platform key in the destination registry: 'tiktok', 'meta'. */
  platform: string;
  name: string;
  /** Advertiser id (TikTok) or ad account id (Meta): not a secret. */
  account: string;
  sandbox: boolean;
  /** Non-secret settings (base URL, API version, requests per second...). */
  settings: Record<string, unknown>;
  /** Whether credentials are stored (they are never returned here). */
  hasCredentials: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewDestination {
  platform: string;
  name: string;
  account: string;
  sandbox?: boolean;
  settings?: Record<string, unknown>;
}

const COLUMNS = `d.id, d.platform, d.name, d.account, d.sandbox, d.settings,
  EXISTS (SELECT 1 FROM destination_credentials c WHERE c.destination_id = d.id) AS "hasCredentials",
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;

function nameTaken(name: string, error: unknown): AuError {
  return new AuError('AU_ALREADY_EXISTS', `A destination named "${name}" already exists`, { name }, { cause: error });
}

export async function insertDestination(q: Queryable, destination: NewDestination): Promise<Destination> {
  try {
    const [row] = await q.query<Destination>(
      `WITH d AS (
         INSERT INTO destinations (platform, name, account, sandbox, settings)
         VALUES ($1, $2, $3, $4, $5::jsonb)
         RETURNING *
       )
       SELECT ${COLUMNS} FROM d`,
      [destination.platform, destination.name, destination.account, destination.sandbox ?? false, JSON.stringify(destination.settings ?? {})],
    );
    return row!;
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(destination.name, error);
    throw error;
  }
}

export interface DestinationChanges {
  name?: string;
  account?: string;
  sandbox?: boolean;
  settings?: Record<string, unknown>;
}

/** Changes the given fields; undefined when there is no such destination. */
export async function updateDestination(q: Queryable, id: number, changes: DestinationChanges): Promise<Destination | undefined> {
  try {
    const [row] = await q.query<Destination>(
      `WITH d AS (
         UPDATE destinations SET
           name = coalesce($2, name),
           account = coalesce($3, account),
           sandbox = coalesce($4, sandbox),
           settings = coalesce($5::jsonb, settings),
           updated_at = now()
         WHERE id = $1
         RETURNING *
       )
       SELECT ${COLUMNS} FROM d`,
      [id, changes.name ?? null, changes.account ?? null, changes.sandbox ?? null, changes.settings === undefined ? null : JSON.stringify(changes.settings)],
    );
    return row;
  } catch (error) {
    if (isUniqueViolation(error) && changes.name !== undefined) throw nameTaken(changes.name, error);
    throw error;
  }
}

export async function listDestinations(q: Queryable, options: { platform?: string } = {}): Promise<Destination[]> {
  return q.query<Destination>(
    `SELECT ${COLUMNS} FROM destinations d WHERE ($1::text IS NULL OR d.platform = $1) ORDER BY d.name`,
    [options.platform ?? null],
  );
}

export async function getDestination(q: Queryable, id: number): Promise<Destination | undefined> {
  const [row] = await q.query<Destination>(`SELECT ${COLUMNS} FROM destinations d WHERE d.id = $1`, [id]);
  return row;
}

export async function getDestinationByName(q: Queryable, name: string): Promise<Destination | undefined> {
  const [row] = await q.query<Destination>(`SELECT ${COLUMNS} FROM destinations d WHERE d.name = $1`, [name]);
  return row;
}

/**
 * Deletes the destination with its credentials, audiences and schedules; its jobs stay, without a destination.
 * Returns whether it existed.
 */
export async function deleteDestination(q: Queryable, id: number): Promise<boolean> {
  const rows = await q.query('DELETE FROM destinations WHERE id = $1 RETURNING id', [id]);
  return rows.length > 0;
}

/** A destination's credentials as the vault sealed them: the ciphertext and the envelope to open it. */
export interface StoredCredentials {
  destinationId: number;
  ciphertext: Buffer;
  /** Wrapped data key, IVs, tags, format version: everything but the ciphertext and the key id. */
  envelope: Record<string, unknown>;
  /** The master key that wrapped the data key. */
  keyId: string;
  createdAt: Date;
  rotatedAt: Date;
}

export interface CredentialsToStore {
  ciphertext: Uint8Array;
  envelope: Record<string, unknown>;
  keyId: string;
}

/** Stores (or replaces) a destination's sealed credentials. */
export async function putCredentials(q: Queryable, destinationId: number, credentials: CredentialsToStore): Promise<void> {
  await q.query(
    `INSERT INTO destination_credentials (destination_id, ciphertext, envelope, key_id)
     VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT (destination_id) DO UPDATE
       SET ciphertext = excluded.ciphertext, envelope = excluded.envelope, key_id = excluded.key_id, rotated_at = now()`,
    [destinationId, Buffer.from(credentials.ciphertext.buffer, credentials.ciphertext.byteOffset, credentials.ciphertext.byteLength), JSON.stringify(credentials.envelope), credentials.keyId],
  );
  await q.query('UPDATE destinations SET updated_at = now() WHERE id = $1', [destinationId]);
}

export async function getCredentials(q: Queryable, destinationId: number): Promise<StoredCredentials | undefined> {
  const [row] = await q.query<StoredCredentials & { ciphertext: Uint8Array }>(
    `SELECT destination_id AS "destinationId", ciphertext, envelope, key_id AS "keyId",
            created_at AS "createdAt", rotated_at AS "rotatedAt"
     FROM destination_credentials WHERE destination_id = $1`,
    [destinationId],
  );
  if (!row) return undefined;
  // node-postgres gives a Buffer, PGlite a Uint8Array: the same type for both.
  return { ...row, ciphertext: Buffer.from(row.ciphertext.buffer, row.ciphertext.byteOffset, row.ciphertext.byteLength) };
}

export async function deleteCredentials(q: Queryable, destinationId: number): Promise<boolean> {
  const rows = await q.query('DELETE FROM destination_credentials WHERE destination_id = $1 RETURNING destination_id', [destinationId]);
  return rows.length > 0;
}

/** For master-key rotation: which destinations are sealed with which key (no ciphertext). */
export async function listCredentialKeys(q: Queryable): Promise<{ destinationId: number; keyId: string; rotatedAt: Date }[]> {
  return q.query(
    `SELECT destination_id AS "destinationId", key_id AS "keyId", rotated_at AS "rotatedAt"
     FROM destination_credentials ORDER BY destination_id`,
  );
}

/**
 * Which credential fields each destination has stored (the names only, kept beside the sealed blob), so lists can
 * say what is set without the master key.
 */
export async function listCredentialFields(q: Queryable, destinationId?: number): Promise<Map<number, string[]>> {
  const rows = await q.query<{ destinationId: number; fields: unknown }>(
    `SELECT destination_id AS "destinationId", envelope -> 'fields' AS fields FROM destination_credentials
     WHERE ($1::bigint IS NULL OR destination_id = $1)`,
    [destinationId ?? null],
  );
  return new Map(rows.map((row) => [row.destinationId, Array.isArray(row.fields) ? row.fields.filter((field): field is string => typeof field === 'string') : []]));
}
