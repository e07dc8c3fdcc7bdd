import { AuError, isAuError } from '../errors.js';

/** Failures worth another attempt later: the platform, the storage or the database was unreachable. */
const TRANSIENT = new Set(['AU_PLATFORM_UNAVAILABLE', 'AU_STORAGE_UNAVAILABLE', 'AU_DB_UNAVAILABLE']);

export function isTransient(error: unknown): boolean {
  return isAuError(error) ? TRANSIENT.has(error.code) : true;
}

/** What a job row records of an error: code and message, with secrets replaced, never a stack or input values. */
export function describeError(error: unknown, secrets: readonly { value: string }[] = []): { code: string; message: string } {
  const known = isAuError(error) ? error : new AuError('AU_INTERNAL', error instanceof Error ? error.message : String(error));
  let message = known.message;
  for (const { value } of secrets) if (value) message = message.split(value).join('<redacted>');
  return { code: known.code, message };
}
