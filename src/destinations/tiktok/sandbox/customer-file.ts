import { TiktokApiError, TiktokCode } from './envelope.js';

/** The calculate_type values TikTok's enum accepts; anything else is code 40909. */
export const CALCULATE_TYPES = [
  'EMAIL_SHA256',
  'PHONE_SHA256',
  'IDFA_SHA256',
  'GAID_SHA256',
  'FIRST_SHA256',
  'MULTIPLE_TYPES',
  'EMAIL_MD5',
  'PHONE_MD5',
  'IDFA_MD5',
  'GAID_MD5',
] as const;
export type CalculateType = (typeof CALCULATE_TYPES)[number];

export const isCalculateType = (value: string): value is CalculateType =>
  (CALCULATE_TYPES as readonly string[]).includes(value);

/** Column names a MULTIPLE_TYPES header may use, each at most this often. */
export const MULTI_TYPE_COLUMNS = ['EMAIL_SHA256', 'PHONE_SHA256', 'MAID_SHA256'] as const;
export const MAX_COLUMN_REPEATS = 3;

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MD5_HEX = /^[0-9a-f]{32}$/;

const parameterError = (message: string) => new TiktokApiError(TiktokCode.parameterError, message);

/**
 * Checks every line of an uploaded file against its calculate_type and returns its members: the hashes of a
 * single-type file, or one canonical key per line of a MULTIPLE_TYPES file. Refusals name the 1-based line.
 */
export function parseCustomerFile(calculateType: CalculateType, lines: readonly string[]): string[] {
  if (calculateType === 'MULTIPLE_TYPES') return parseMultiTypeFile(lines);
  const pattern = calculateType.endsWith('_MD5') ? MD5_HEX : SHA256_HEX;
  const described = calculateType.endsWith('_MD5') ? '32-character lower-case hex MD5' : '64-character lower-case hex SHA-256';
  lines.forEach((line, index) => {
    if (!pattern.test(line)) throw parameterError(`file: line ${index + 1} is not a ${described} hash.`);
  });
  return [...lines];
}

function parseMultiTypeFile(lines: readonly string[]): string[] {
  const [header = '', ...rows] = lines;
  const columns = header.split(',');
  const repeats = new Map<string, number>();
  for (const column of columns) {
    if (!(MULTI_TYPE_COLUMNS as readonly string[]).includes(column)) {
      throw parameterError(
        `file: line 1 (header) has column "${column}"; allowed columns are ${MULTI_TYPE_COLUMNS.join(', ')}.`,
      );
    }
    const seen = (repeats.get(column) ?? 0) + 1;
    if (seen > MAX_COLUMN_REPEATS) {
      throw parameterError(`file: line 1 (header) repeats column ${column} more than ${MAX_COLUMN_REPEATS} times.`);
    }
    repeats.set(column, seen);
  }
  if (rows.length === 0) throw new TiktokApiError(TiktokCode.emptyFile, 'The file has a header but no rows.');
  return rows.map((row, index) => {
    const lineNumber = index + 2;
    const fields = row.split(',');
    if (fields.length !== columns.length) {
      throw parameterError(`file: line ${lineNumber} has ${fields.length} fields, the header has ${columns.length}.`);
    }
    const present: string[] = [];
    fields.forEach((field, column) => {
      if (field === '') return;
      if (!SHA256_HEX.test(field)) {
        throw parameterError(`file: line ${lineNumber} field ${column + 1} is not a 64-character lower-case hex SHA-256 hash.`);
      }
      present.push(`${columns[column]}=${field}`);
    });
    if (present.length === 0) throw parameterError(`file: line ${lineNumber} has no identifier.`);
    return multiTypeMemberKey(present);
  });
}

/** One person of a multi-type audience: the `NAME=value` pairs sorted, so column order does not matter. */
export function multiTypeMemberKey(pairs: readonly string[]): string {
  return [...pairs].sort().join('|');
}
