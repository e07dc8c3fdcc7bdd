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
