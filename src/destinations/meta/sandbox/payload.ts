/**
 * Validation of the `payload` and `session` parameters of the users, users (DELETE) and usersreplace edges.
 * Pure, so the rules can be table-tested. Shape errors refuse the whole request; value errors only skip the row,
 * as Meta does: one bad row never fails a batch.
 */

/** Multi-key schema keys (platforms.md section 4). */
export const MULTI_KEYS = [
  'EXTERN_ID',
  'EMAIL',
  'PHONE',
  'GEN',
  'DOBY',
  'DOBM',
  'DOBD',
  'LN',
  'FN',
  'FI',
  'CT',
  'ST',
  'ZIP',
  'MADID',
  'COUNTRY',
] as const;
export type MultiKey = (typeof MULTI_KEYS)[number];

/** Single-key schemas (a string schema and a flat data list) and the multi-key name their values are stored under. */
export const SINGLE_KEY_SCHEMAS: Readonly<Record<string, MultiKey>> = {
  EMAIL_SHA256: 'EMAIL',
  PHONE_SHA256: 'PHONE',
  MOBILE_ADVERTISER_ID: 'MADID',
};

/** Keys sent unhashed; every other key must be a SHA-256 digest. */
const RAW_KEYS: ReadonlySet<MultiKey> = new Set<MultiKey>(['EXTERN_ID', 'MADID']);

export const MAX_ROWS_PER_REQUEST = 10_000;
export const MAX_INVALID_SAMPLES = 10;

const LOWER_HEX_64 = /^[0-9a-f]{64}$/;
const ANY_HEX_64 = /^[0-9a-fA-F]{64}$/;

export interface CheckedPayload {
  /** Schema keys in the order the rows use, single-key schemas mapped to their multi-key name. */
  keys: MultiKey[];
  received: number;
  /** One canonical member key per valid row (duplicates kept; membership is a set). */
  members: string[];
  invalid: number;
  /** Up to MAX_INVALID_SAMPLES entries: the value (single-key) or the row index (multi-key) → reason. */
  samples: Record<string, string>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * The payload with the rows `refuses` picks counted invalid instead of added, the way Meta answers rows it cannot
 * use for reasons of its own (the sandbox's `invalidRowRate` fault).
 */
export function withRefusedRows(payload: CheckedPayload, refuses: () => boolean): CheckedPayload {
  const members: string[] = [];
  const samples = { ...payload.samples };
  let invalid = payload.invalid;
  payload.members.forEach((member, index) => {
    if (!refuses()) {
      members.push(member);
      return;
    }
    invalid++;
    if (Object.keys(samples).length < MAX_INVALID_SAMPLES) samples[`row ${index}`] = 'the platform could not use this row';
  });
  return { ...payload, members, invalid, samples };
}

const refuse = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** The person's identity in the sandbox: non-empty fields sorted by key name, `KEY=value`, joined with `|`. */
export function canonicalMemberKey(keys: readonly MultiKey[], values: readonly string[]): string {
  return keys
    .map((key, index) => [key, values[index] ?? ''] as const)
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('|');
}

/** Why one value is invalid for its key, or null when it is fine (`""` means unknown and is always fine). */
export function valueProblem(key: MultiKey, value: unknown): string | null {
  if (typeof value !== 'string') return `${key} value must be a string`;
  if (value === '') return null;
  if (RAW_KEYS.has(key)) {
    return ANY_HEX_64.test(value) ? `${key} must be sent unhashed, not as a SHA-256 digest` : null;
  }
  if (LOWER_HEX_64.test(value)) return null;
  if (ANY_HEX_64.test(value)) return `${key} must be lower-case hex`;
  return `${key} is not a SHA-256 hex digest (hash the normalized value)`;
}

/** Why a whole row is invalid, or null. Cells are checked in schema order; the first problem is reported. */
export function rowProblem(keys: readonly MultiKey[], values: readonly unknown[]): string | null {
  for (const [index, key] of keys.entries()) {
    const problem = valueProblem(key, values[index]);
    if (problem !== null) return problem;
  }
  return values.every((value) => value === '') ? 'row has no values' : null;
}

function checkSchema(schema: unknown): Checked<{ keys: MultiKey[]; singleKey: boolean }> {
  if (typeof schema === 'string') {
    const key = SINGLE_KEY_SCHEMAS[schema];
    if (key === undefined) {
      return refuse(
        `Invalid schema '${schema}': use one of ${Object.keys(SINGLE_KEY_SCHEMAS).join(', ')} or an array of multi-key keys`,
      );
    }
    return { ok: true, value: { keys: [key], singleKey: true } };
  }
  if (!Array.isArray(schema)) return refuse('The parameter payload[schema] is required (a string or an array of keys)');
  if (schema.length === 0) return refuse('payload[schema] must list at least one key');
  const seen = new Set<string>();
  for (const key of schema) {
    if (typeof key !== 'string' || !(MULTI_KEYS as readonly string[]).includes(key)) {
      return refuse(`Invalid schema key ${JSON.stringify(key)}: allowed keys are ${MULTI_KEYS.join(', ')}`);
    }
    if (seen.has(key)) return refuse(`Duplicate schema key ${key}`);
    seen.add(key);
  }
  return { ok: true, value: { keys: schema as MultiKey[], singleKey: false } };
}

/** Checks a decoded `payload` parameter ({schema, data}); see the file comment for which errors refuse the request. */
export function checkPayload(payload: unknown): Checked<CheckedPayload> {
  if (payload === undefined || payload === null || payload === '') return refuse('The parameter payload is required');
  if (typeof payload !== 'object' || Array.isArray(payload)) return refuse('payload must be a JSON object {schema, data}');
  const { schema, data } = payload as { schema?: unknown; data?: unknown };
  const checkedSchema = checkSchema(schema);
  if (!checkedSchema.ok) return checkedSchema;
  const { keys, singleKey } = checkedSchema.value;
  if (!Array.isArray(data)) return refuse('payload[data] must be an array');
  if (data.length > MAX_ROWS_PER_REQUEST) {
    return refuse(`Too many users in the payload, maximum is ${MAX_ROWS_PER_REQUEST}`);
  }

  // Shape first, so a malformed request is refused before any row is counted.
  for (const [index, row] of data.entries()) {
    if (singleKey) {
      if (Array.isArray(row) || (typeof row === 'object' && row !== null)) {
        return refuse(`Row ${index}: a single-key schema takes a flat list of values, not arrays or objects`);
      }
    } else if (!Array.isArray(row)) {
      return refuse(`Row ${index} must be an array of ${keys.length} values in schema order`);
    } else if (row.length !== keys.length) {
      return refuse(`Row ${index} has ${row.length} values but the schema has ${keys.length} keys`);
    }
  }

  const members: string[] = [];
  const samples: Record<string, string> = {};
  let invalid = 0;
  for (const [index, row] of data.entries()) {
    const values: unknown[] = singleKey ? [row] : (row as unknown[]);
    const problem = rowProblem(keys, values);
    if (problem === null) {
      members.push(canonicalMemberKey(keys, values as string[]));
      continue;
    }
    invalid++;
    if (Object.keys(samples).length < MAX_INVALID_SAMPLES) {
      const sampleKey = singleKey && typeof row === 'string' && row !== '' ? row : String(index);
      samples[sampleKey] = problem;
    }
  }
  return { ok: true, value: { keys, received: data.length, members, invalid, samples } };
}

export interface UploadSession {
  /** Meta's session ids are 64-bit integers; kept as a digit string so large ones stay exact. */
  sessionId: string;
  batchSeq: number;
  lastBatch: boolean;
  estimatedTotal?: number;
}

const INT64_MAX = 2n ** 63n - 1n;
const isInt64Digits = (value: string) => /^\d{1,19}$/.test(value) && BigInt(value) <= INT64_MAX;

function integerField(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

/** Checks a decoded `session` parameter. Booleans may come as JSON booleans or "true"/"false" strings. */
export function checkSession(session: unknown): Checked<UploadSession> {
  if (typeof session !== 'object' || session === null || Array.isArray(session)) {
    return refuse('session must be a JSON object {session_id, batch_seq, last_batch_flag, estimated_num_total}');
  }
  const raw = session as Record<string, unknown>;
  const sessionId =
    typeof raw.session_id === 'number' && Number.isSafeInteger(raw.session_id) && raw.session_id >= 0
      ? String(raw.session_id)
      : typeof raw.session_id === 'string' && isInt64Digits(raw.session_id)
        ? String(BigInt(raw.session_id)) // "007" and "7" are one session, as for Meta's integer ids
        : null;
  if (sessionId === null) return refuse('session[session_id] must be a non-negative 64-bit integer');
  const batchSeq = integerField(raw.batch_seq);
  if (batchSeq === null || batchSeq < 1) return refuse('session[batch_seq] must be an integer of at least 1');
  const flag = raw.last_batch_flag;
  if (flag !== undefined && typeof flag !== 'boolean' && flag !== 'true' && flag !== 'false') {
    return refuse('session[last_batch_flag] must be a boolean');
  }
  const lastBatch = flag === true || flag === 'true';
  let estimatedTotal: number | undefined;
  if (raw.estimated_num_total !== undefined) {
    const total = integerField(raw.estimated_num_total);
    if (total === null) return refuse('session[estimated_num_total] must be a non-negative integer');
    estimatedTotal = total;
  }
  return { ok: true, value: { sessionId, batchSeq, lastBatch, ...(estimatedTotal === undefined ? {} : { estimatedTotal }) } };
}
