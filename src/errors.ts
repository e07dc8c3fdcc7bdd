/**
 * Every error the product raises on purpose is declared here once, with a stable code, so the CLI, the API and
 * the logs speak the same language. Messages name the file, row or column at fault and never contain raw values
 * from the input (they may be PII).
 */
export const ERROR_CODES = {
  AU_INPUT_NOT_FOUND: 'input path does not exist',
  AU_INPUT_EMPTY: 'input has no data',
  AU_INPUT_UNREADABLE: 'input cannot be read',
  AU_INPUT_FORMAT: 'input is not in the format its name or the option says',
  AU_INPUT_MIXED_COLUMNS: 'files of one dataset have different columns',
  AU_INPUT_ENCODING: 'input is not valid UTF-8',
  AU_INPUT_CORRUPT: 'input is truncated or corrupt',
  AU_INPUT_RAGGED: 'CSV rows have a different number of fields than the header',
  AU_MAPPING_INVALID: 'column mapping is invalid',
  AU_MAPPING_COLUMN_MISSING: 'a mapped column does not exist',
  AU_MAPPING_UNSUPPORTED: 'the destination does not accept this identifier type',
  AU_OPTION_INVALID: 'an option has an invalid value',
  AU_OUTPUT_EXISTS: 'the output folder is not empty',
  AU_CREDENTIALS_MISSING: 'a destination credential is not configured',
  AU_AUTH_FAILED: 'the platform refused the credentials',
  AU_PERMISSION_DENIED: 'the credentials may not use this account or audience',
  AU_AUDIENCE_NOT_FOUND: 'the audience does not exist in this account',
  AU_AUDIENCE_AMBIGUOUS: 'several audiences have this name',
  AU_AUDIENCE_INVALID: 'the audience name or settings are invalid',
  AU_AUDIENCE_TOO_SMALL: 'the audience would be smaller than the platform allows',
  AU_AUDIENCE_BUSY: 'the audience is still processing an earlier change',
  AU_AUDIENCE_TYPE_MISMATCH: 'the audience holds another identifier type',
  AU_PLATFORM_REJECTED: 'the platform rejected the request',
  AU_PLATFORM_UNAVAILABLE: 'the platform did not answer usably after every retry',
  AU_UPLOAD_INCOMPLETE: 'the upload did not finish',
  AU_JOB_NOT_FOUND: 'there is no job with this id',
  AU_JOB_STATE: 'the job is not in a state that allows this',
  AU_JOB_TIMEOUT: 'the job did not finish in time',
  AU_DIFF_LAYOUT_CHANGED: 'the snapshot and this run have different identifier sets; a mirror needs a full replace',
  AU_VAULT_KEY_INVALID: 'the master key is not 32 bytes in base64 or hex',
  AU_VAULT_KEY_PERMISSIONS: 'the master key file can be read by other users',
  AU_VAULT_KEY_UNREADABLE: 'the master key file cannot be read or created',
  AU_VAULT_KEY_MISMATCH: 'the credentials were sealed with another master key',
  AU_VAULT_CORRUPT: 'the sealed credentials were altered or belong to another record',
  AU_ALREADY_EXISTS: 'a record with this name already exists',
  AU_DESTINATION_NOT_FOUND: 'there is no saved destination with this name or id',
  AU_DESTINATION_IN_USE: 'schedules still send to this saved destination',
  AU_SCHEDULE_INVALID: 'the schedule is invalid (cron expression, time zone, name or job)',
  AU_SCHEDULE_NOT_FOUND: 'there is no schedule with this name',
  AU_DB_UNAVAILABLE: 'the database cannot be reached or opened',
  AU_DB_SCHEMA_NEWER: 'the database was created by a newer version of Audience Uploader',
  AU_DB_MIGRATION_FAILED: 'a database migration failed',
  AU_STORAGE_PATH_INVALID: 'a storage key is not a safe relative path inside the storage root',
  AU_STORAGE_NOT_FOUND: 'the bucket, folder or file does not exist in storage',
  AU_STORAGE_DENIED: 'the storage refused access (check the credentials and permissions)',
  AU_STORAGE_UNAVAILABLE: 'the storage endpoint cannot be reached',
  AU_STORAGE_FAILED: 'a storage operation failed',
  AU_DROPZONE_PATH: 'a drop-zone file is not under dropzone/<platform>/<audience>/<identifier>/ with a known platform and identifier',
  AU_DROPZONE_NOT_HASHED: 'a drop-zone file holds values that are not SHA-256 hashes',
  AU_UNAUTHENTICATED: 'sign in first (a session cookie or an API token is needed)',
  AU_LOGIN_FAILED: 'the email or the password is wrong, or the account is disabled',
  AU_FORBIDDEN: 'your role does not allow this',
  AU_CSRF: 'the request lacks a valid CSRF token (x-csrf-token header)',
  AU_PASSWORD_CHANGE_REQUIRED: 'change the one-time password before anything else',
  AU_PASSWORD_WEAK: 'the new password is too short or too common',
  AU_RATE_LIMITED: 'too many requests; wait and try again',
  AU_VALIDATION: 'the request does not match its schema',
  AU_NOT_FOUND: 'there is no such route or record',
  AU_USER_NOT_FOUND: 'there is no user with this id',
  AU_DATASET_NOT_FOUND: 'there is no dataset with this id',
  AU_FILE_TOO_LARGE: 'the uploaded file is over the size limit',
  AU_FILE_TYPE: 'the uploaded file is not a CSV, JSON, JSON Lines or Parquet file (optionally gzipped)',
  AU_TERMS_NOT_ACCEPTED: "the platform's customer-list terms must be acknowledged",
  AU_OIDC: 'the OpenID Connect sign-in failed',
  AU_INTERNAL: 'internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AuError extends Error {
  readonly code: ErrorCode;
  /** Extra facts for machines (file, row, column); never raw input values. */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuError';
    this.code = code;
    this.details = details;
  }
}

export function isAuError(error: unknown): error is AuError {
  return error instanceof AuError;
}
