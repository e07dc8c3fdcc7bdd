import type { Queryable } from '../database.js';

export interface AuditEntry {
  id: number;
  at: Date;
  /** A user id, or 'cli', 'dropzone', 'scheduler'. */
  actor: string;
  /** What happened, e.g. 'upload.started', 'destination.created', 'user.password_changed'. */
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** Names and counts only: never raw identifiers, tokens or passwords. */
  details: Record<string, unknown>;
}

export interface NewAuditEntry {
  actor: string;
  action: string;
  targetType?: string | null;
  targetId?: string | number | null;
  details?: Record<string, unknown>;
}

const COLUMNS = `id, at, actor, action, target_type AS "targetType", target_id AS "targetId", details`;

/** Records one action. Pass the transaction that makes the change, so the entry exists exactly when the change does. */
export async function recordAudit(q: Queryable, entry: NewAuditEntry): Promise<AuditEntry> {
  const [row] = await q.query<AuditEntry>(
    `INSERT INTO audit_log (actor, action, target_type, target_id, details)
     VALUES ($1, $2, $3, $4, $5::jsonb)
     RETURNING ${COLUMNS}`,
    [entry.actor, entry.action, entry.targetType ?? null, entry.targetId == null ? null : String(entry.targetId), JSON.stringify(entry.details ?? {})],
  );
  return row!;
}

export interface ListAuditOptions {
  /** At most this many entries (1 to 1000). */
  limit: number;
  /** Entries older than the entry with this id: pass the last id of the previous page. */
  before?: number;
  actor?: string;
  targetType?: string;
  targetId?: string | number;
}

/** Newest first. */
export async function listAudit(q: Queryable, options: ListAuditOptions): Promise<AuditEntry[]> {
  const params: unknown[] = [Math.min(Math.max(Math.trunc(options.limit), 1), 1000)];
  const where: string[] = [];
  if (options.before !== undefined) {
    params.push(options.before);
    // (at, id) keyset: stable across pages even when entries share a timestamp; uses audit_log_at_idx.
    where.push(`(at, id) < (SELECT at, id FROM audit_log WHERE id = $${params.length})`);
  }
  if (options.actor !== undefined) {
    params.push(options.actor);
    where.push(`actor = $${params.length}`);
  }
  if (options.targetType !== undefined) {
    params.push(options.targetType);
    where.push(`target_type = $${params.length}`);
  }
  if (options.targetId !== undefined) {
    params.push(String(options.targetId));
    where.push(`target_id = $${params.length}`);
  }
  return q.query<AuditEntry>(
    `SELECT ${COLUMNS} FROM audit_log
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY at DESC, id DESC
     LIMIT $1`,
    params,
  );
}
