import type { Database, Queryable } from '../db/database.js';
import { recordAudit } from '../db/queries/audit.js';
import {
  deleteDestination,
  getCredentials,
  getDestination as getDestinationRow,
  getDestinationByName,
  insertDestination,
  listCredentialFields,
  listDestinations as listDestinationRows,
  putCredentials,
  updateDestination,
  type CredentialsToStore,
  type Destination,
  type StoredCredentials,
} from '../db/queries/destinations.js';
import { AuError, isAuError } from '../errors.js';
import { open, seal, type SealedSecret } from '../vault/envelope.js';
import type { MasterKey } from '../vault/master-key.js';
import { describeCredentials, type CredentialView } from '../vault/redact.js';
import type { DestinationConfig } from './config.js';
import type { DestinationDefinition, FieldSpec } from './definition.js';
import { DESTINATIONS, getDestination } from './registry.js';

/**
 * Saved destinations: a platform account with its credentials sealed in the vault (AES-256-GCM envelope under the
 * master key) and its non-secret settings, so jobs, schedules and the web app can send to it without credentials in
 * the environment. Credentials are write-only: nothing here returns a secret except `loadDestinationConfig`, which
 * the connector needs.
 */

/** What may be shown of a saved destination: never a secret value. */
export interface SavedDestination {
  id: number;
  name: string;
  platform: string;
  /** The platform's label ('TikTok Ads', 'Meta'). */
  label: string;
  /** Advertiser id (TikTok) or ad account id (Meta): not a secret. */
  account: string;
  sandbox: boolean;
  /** The settings stored with it (others take the definition's defaults). */
  settings: Record<string, string>;
  /** Each credential field: whether it is set and, for the account field only, its value. */
  credentials: CredentialView[];
  createdAt: Date;
  updatedAt: Date;
}

export interface SaveDestinationInput {
  platform: string;
  name: string;
  /** By field key (`accessToken`, `advertiserId`...): see the definition's `credentials`. */
  credentials: Readonly<Record<string, string | undefined>>;
  /** By field key (`baseUrl`, `requestsPerSecond`...): see the definition's `settings`. */
  settings?: Readonly<Record<string, string | undefined>>;
  /** Marks a destination that points at a sandbox (shown in lists). */
  sandbox?: boolean;
}

export interface SaveDestinationOptions {
  /** Who did it, for the audit log (a user id, 'cli'...). Default 'cli'. */
  actor?: string;
  /** Replace the credentials and settings of the destination of this name (same platform) instead of refusing. */
  replace?: boolean;
}

/** The AAD of a destination's sealed credentials: the id never changes (a name can), and ties the blob to its row. */
export function credentialsAad(destinationId: number): string {
  return `destination:${destinationId}`;
}

const MAX_NAME_LENGTH = 100;

function checkName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '') throw new AuError('AU_OPTION_INVALID', 'A destination needs a name');
  if (trimmed.length > MAX_NAME_LENGTH) throw new AuError('AU_OPTION_INVALID', `A destination name has at most ${MAX_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new AuError('AU_OPTION_INVALID', 'A destination name cannot contain control characters');
  // Commands take a name or an id: a name of digits would read as an id.
  if (/^\d+$/.test(trimmed)) throw new AuError('AU_OPTION_INVALID', `A destination name cannot be only digits (it would read as an id): ${JSON.stringify(trimmed)}`);
  return trimmed;
}

/**
 * Checks values against the definition's fields: unknown keys, missing required values and patterns. Messages name
 * the field, never the value.
 */
function checkFields(
  definition: DestinationDefinition,
  fields: readonly FieldSpec[],
  values: Readonly<Record<string, unknown>>,
  what: 'credential' | 'setting',
): Record<string, string> {
  const known = fields.map((field) => field.key);
  for (const key of Object.keys(values)) {
    if (!known.includes(key)) {
      throw new AuError('AU_OPTION_INVALID', `${definition.label}: unknown ${what} ${JSON.stringify(key)}; use one of: ${known.join(', ')}`, { field: key });
    }
  }
  const checked: Record<string, string> = {};
  for (const field of fields) {
    const raw = Object.hasOwn(values, field.key) ? values[field.key] : undefined;
    if (raw !== undefined && typeof raw !== 'string') {
      throw new AuError('AU_OPTION_INVALID', `${definition.label}: the ${field.label} (${field.key}) must be a string`, { field: field.key });
    }
    const value = raw?.trim();
    if (!value) {
      if (field.required) {
        throw new AuError('AU_CREDENTIALS_MISSING', `${definition.label}: the ${field.label} (${field.key}, ${field.env})${field.hint ? `, ${field.hint},` : ''} is required`, {
          field: field.key,
          variable: field.env,
        });
      }
      continue;
    }
    if (field.pattern && !field.pattern.test(value)) {
      throw new AuError('AU_OPTION_INVALID', `${definition.label}: the ${field.label} (${field.key}) is not valid${field.hint ? ` (expected ${field.hint})` : ''}`, { field: field.key });
    }
    checked[field.key] = value;
  }
  return checked;
}

/**
 * The checks `saveDestination` makes before storing anything (name, credential and setting fields against the
 * definition), for callers that test the credentials with the platform first. Returns the trimmed values.
 */
export function checkDestinationInput(input: SaveDestinationInput): {
  definition: DestinationDefinition;
  name: string;
  credentials: Record<string, string>;
  settings: Record<string, string>;
} {
  const definition = getDestination(input.platform);
  return {
    definition,
    name: checkName(input.name),
    credentials: checkFields(definition, definition.credentials, input.credentials ?? {}, 'credential'),
    settings: checkFields(definition, definition.settings, input.settings ?? {}, 'setting'),
  };
}

/**
 * Saves a destination: validates the fields, stores the record, seals the credentials under the master key with
 * the record's id as AAD, and records an audit entry, in one transaction. AU_ALREADY_EXISTS when the name is taken
 * (unless `replace`).
 */
export async function saveDestination(db: Database, master: MasterKey, input: SaveDestinationInput, options: SaveDestinationOptions = {}): Promise<SavedDestination> {
  const definition = getDestination(input.platform);
  const name = checkName(input.name);
  const credentials = checkFields(definition, definition.credentials, input.credentials ?? {}, 'credential');
  const settings = checkFields(definition, definition.settings, input.settings ?? {}, 'setting');
  const account = credentials[definition.accountField] ?? '';
  const id = await db.transaction(async (tx) => {
    const existing = options.replace ? await getDestinationByName(tx, name) : undefined;
    if (existing && existing.platform !== definition.platform) {
      throw new AuError('AU_ALREADY_EXISTS', `The destination "${name}" is a ${labelOf(existing.platform)} destination; remove it first to save a ${definition.label} one under this name`, { name });
    }
    const row = existing
      ? await updateDestination(tx, existing.id, { account, sandbox: input.sandbox ?? existing.sandbox, settings })
      : await insertDestination(tx, { platform: definition.platform, name, account, sandbox: input.sandbox ?? false, settings });
    if (!row) throw new AuError('AU_DESTINATION_NOT_FOUND', `The destination "${name}" was removed meanwhile`);
    await putCredentials(tx, row.id, toStored(seal(credentials, master, credentialsAad(row.id)), Object.keys(credentials)));
    await recordAudit(tx, {
      actor: options.actor ?? 'cli',
      action: existing ? 'destination.updated' : 'destination.created',
      targetType: 'destination',
      targetId: row.id,
      details: { name, platform: definition.platform, account, credentials: Object.keys(credentials).sort(), settings: Object.keys(settings).sort() },
    });
    return row.id;
  });
  return getSavedDestination(db, id);
}

/** Every saved destination, by name, without secrets (no master key needed). */
export async function listDestinations(q: Queryable): Promise<SavedDestination[]> {
  const rows = await listDestinationRows(q);
  const fields = await listCredentialFields(q);
  return rows.map((row) => toView(row, fields.get(row.id) ?? []));
}

/** One saved destination by id or name, without secrets. AU_DESTINATION_NOT_FOUND when there is none. */
export async function getSavedDestination(q: Queryable, idOrName: number | string): Promise<SavedDestination> {
  const row = await findRow(q, idOrName);
  const fields = await listCredentialFieldsOf(q, row.id);
  return toView(row, fields);
}

/**
 * What a connector needs: the definition, and the credentials opened with the master key plus the settings (stored
 * ones over the definition's defaults). A wrong master key fails with AU_VAULT_KEY_MISMATCH, altered data with
 * AU_VAULT_CORRUPT, both naming the destination.
 */
export async function loadDestinationConfig(
  q: Queryable,
  master: MasterKey,
  idOrName: number | string,
): Promise<{ destination: SavedDestination; definition: DestinationDefinition; config: DestinationConfig }> {
  const row = await findRow(q, idOrName);
  const definition = getDestination(row.platform);
  const stored = await getCredentials(q, row.id);
  if (!stored) {
    throw new AuError('AU_CREDENTIALS_MISSING', `The saved destination "${row.name}" has no stored credentials: save them again (destinations add "${row.name}" --replace)`, {
      destination: row.name,
    });
  }
  let credentials: Record<string, string>;
  try {
    credentials = open(fromStored(stored), master, credentialsAad(row.id));
  } catch (error) {
    if (!isAuError(error)) throw error;
    throw new AuError(error.code, `Saved destination "${row.name}": ${error.message}`, { ...error.details, destination: row.name }, { cause: error });
  }
  const settings: Record<string, string> = {};
  for (const field of definition.settings) {
    const value = row.settings[field.key];
    if (typeof value === 'string' && value !== '') settings[field.key] = value;
    else if (field.default !== undefined) settings[field.key] = field.default;
  }
  for (const field of definition.credentials) {
    if (field.required && !credentials[field.key]) {
      throw new AuError('AU_CREDENTIALS_MISSING', `Saved destination "${row.name}": the ${field.label} is not stored; save the credentials again`, { destination: row.name, field: field.key });
    }
  }
  return { destination: toView(row, Object.keys(credentials)), definition, config: { credentials, settings } };
}

/**
 * Deletes a saved destination and its credentials (its audiences records too; jobs keep their history). Refused
 * (AU_DESTINATION_IN_USE) while a schedule sends to it or one of its jobs is unfinished.
 */
export async function removeDestination(db: Database, idOrName: number | string, options: { actor?: string } = {}): Promise<SavedDestination> {
  return db.transaction(async (tx) => {
    const row = await findRow(tx, idOrName);
    const view = toView(row, await listCredentialFieldsOf(tx, row.id));
    const schedules = await tx.query<{ name: string }>('SELECT name FROM schedules WHERE destination_id = $1 ORDER BY name', [row.id]);
    if (schedules.length > 0) {
      const names = schedules.map((schedule) => JSON.stringify(schedule.name)).join(', ');
      throw new AuError('AU_DESTINATION_IN_USE', `The destination "${row.name}" is used by the schedule${schedules.length > 1 ? 's' : ''} ${names}: remove ${schedules.length > 1 ? 'them' : 'it'} first (schedules remove <name>)`, {
        destination: row.name,
        schedules: schedules.map((schedule) => schedule.name),
      });
    }
    const active = await tx.query<{ id: string }>(
      `SELECT id::text AS id FROM jobs WHERE destination_id = $1 AND state NOT IN ('done', 'failed', 'dead', 'cancelled') ORDER BY created_at`,
      [row.id],
    );
    if (active.length > 0) {
      throw new AuError('AU_DESTINATION_IN_USE', `The destination "${row.name}" has unfinished jobs (${active.map((job) => job.id).join(', ')}): wait for them or cancel them (jobs cancel <id>) first`, {
        destination: row.name,
        jobs: active.map((job) => job.id),
      });
    }
    await deleteDestination(tx, row.id);
    await recordAudit(tx, {
      actor: options.actor ?? 'cli',
      action: 'destination.removed',
      targetType: 'destination',
      targetId: row.id,
      details: { name: row.name, platform: row.platform, account: row.account },
    });
    return view;
  });
}

/** A number is an id; a string is a name, or an id when no destination has that name and it is all digits. */
async function findRow(q: Queryable, idOrName: number | string): Promise<Destination> {
  let row: Destination | undefined;
  if (typeof idOrName === 'number') row = await getDestinationRow(q, idOrName);
  else {
    row = await getDestinationByName(q, idOrName.trim());
    if (!row && /^\d{1,15}$/.test(idOrName.trim())) row = await getDestinationRow(q, Number(idOrName.trim()));
  }
  if (!row) {
    throw new AuError('AU_DESTINATION_NOT_FOUND', `There is no saved destination ${typeof idOrName === 'number' ? `with id ${idOrName}` : JSON.stringify(idOrName)} (destinations list shows them)`, {
      destination: idOrName,
    });
  }
  return row;
}

async function listCredentialFieldsOf(q: Queryable, id: number): Promise<string[]> {
  return (await listCredentialFields(q, id)).get(id) ?? [];
}

function labelOf(platform: string): string {
  return DESTINATIONS[platform]?.label ?? platform;
}

function toView(row: Destination, storedFields: readonly string[]): SavedDestination {
  const definition = DESTINATIONS[row.platform];
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(row.settings ?? {})) if (typeof value === 'string') settings[key] = value;
  // Only the account is shown among the credentials; every other field says set or not, secret or not.
  const values: Record<string, string> = {};
  for (const key of storedFields) values[key] = key === definition?.accountField ? row.account : 'set';
  const fields = (definition?.credentials ?? storedFields.map((key) => ({ key, label: key, secret: true }))).map((field) => ({
    key: field.key,
    label: field.label,
    secret: field.secret || field.key !== definition?.accountField,
  }));
  return {
    id: row.id,
    name: row.name,
    platform: row.platform,
    label: labelOf(row.platform),
    account: row.account,
    sandbox: row.sandbox,
    settings,
    credentials: describeCredentials(fields, values),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The sealed blob as the table holds it: the ciphertext in its bytea column, the rest (and the field names) as the envelope. */
function toStored(sealed: SealedSecret, fields: readonly string[]): CredentialsToStore {
  const { ciphertext, keyId, ...envelope } = sealed;
  return { ciphertext: Buffer.from(ciphertext, 'base64'), keyId, envelope: { ...envelope, fields: [...fields].sort() } };
}

function fromStored(stored: StoredCredentials): SealedSecret {
  const envelope = stored.envelope;
  return {
    v: envelope.v as 1,
    keyId: stored.keyId,
    wrappedKey: envelope.wrappedKey as string,
    keyIv: envelope.keyIv as string,
    keyTag: envelope.keyTag as string,
    iv: envelope.iv as string,
    tag: envelope.tag as string,
    ciphertext: stored.ciphertext.toString('base64'),
  };
}
