/** Formats a dataset can be in, detected from the content of its files. */
export type SourceFormat = 'csv' | 'json' | 'parquet';
export type Compression = 'gzip' | 'none';
/** CSV text encodings DuckDB reads; UTF-16 only with a little-endian byte-order mark. */
export type TextEncoding = 'utf-8' | 'utf-16';
/** How JSON records are laid out: one array, one record per line, or concatenated (pretty-printed) documents. */
export type JsonLayout = 'array' | 'lines' | 'document';

export const FORMAT_LABELS: Record<SourceFormat, string> = { csv: 'CSV', json: 'JSON', parquet: 'Parquet' };

/** What the first (decompressed) bytes of a text file tell about its size in records, for cheap row estimates. */
export interface HeadStats {
  /** Uncompressed bytes looked at. */
  bytes: number;
  /** Lines (CSV, JSON lines; the CSV header included) or top-level records (JSON arrays) complete in `bytes`. */
  records: number;
  /** The whole file was looked at, so `records` is exact. */
  complete: boolean;
}

/** One input file, checked and classified by `resolveInputs`. */
export interface SourceFile {
  /** The path as the user gave it (joined with the relative path inside a given folder). */
  path: string;
  /** Size on disk. */
  bytes: number;
  format: SourceFormat;
  compression: Compression;
  encoding: TextEncoding;
  jsonLayout?: JsonLayout;
  head?: HeadStats;
  /** gzip: uncompressed size, from the trailer (modulo 4 GiB) or exact once verified. */
  uncompressedBytes?: number;
  /** gzip, once verified: newline characters in the decompressed content. */
  newlines?: number;
  /** The head has both CRLF and bare LF line ends, which DuckDB's strict CSV parser cannot read. */
  mixedNewlines?: boolean;
}

export interface SourceColumn {
  name: string;
  /** The type the file declares or DuckDB detects (VARCHAR for CSV); the view always exposes VARCHAR. */
  sourceType: string;
}

/** Row count of the whole dataset. */
export interface RowCount {
  rows: number;
  exact: boolean;
  method: 'parquet-metadata' | 'line-count' | 'byte-estimate';
}

/** A row the reader could not parse; never its content. */
export interface RejectedRow {
  file: string;
  /** DuckDB's line: the record number counting the header as line 1 (equals the physical line unless earlier
   * quoted fields contain line breaks). */
  line: number;
  reason: RejectReason;
}

export interface RejectSummary {
  reason: RejectReason;
  count: number;
  /** The first few places, by file and line. */
  examples: { file: string; line: number }[];
}

/** Why the reader skipped a row. Stable codes, they appear in reports. */
export const REJECT_REASONS = {
  too_many_fields: 'more fields than the header',
  too_few_fields: 'fewer fields than the header',
  invalid_encoding: 'not valid UTF-8 text',
  bad_quoting: 'a quote is not closed or is followed by other characters',
  line_too_long: 'line longer than the reader accepts',
  unreadable: 'row could not be parsed',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

export interface Source {
  /** A DuckDB view (plain identifier) with one VARCHAR column per input column, plus `__file` and `__row`. */
  view: string;
  columns: SourceColumn[];
  format: SourceFormat;
  files: SourceFile[];
  /** Whether `__row` holds the 1-based data-row number within its file (Parquet) or is NULL (CSV, JSON). */
  rowNumbers: boolean;
  rowCount: RowCount;
  /** Facts the user should know (files without data, JSON keys missing from some files); no values. */
  warnings: string[];
  /**
   * Rows skipped by the scans of `view` run so far, by reason, each row counted once however many scans saw it.
   * A scan records what it read: a LIMIT query only its part, and a query reading some columns only checks
   * the encoding of those. CSV only; empty for JSON and Parquet, whose readers fail instead of skipping.
   */
  rejects(): Promise<RejectSummary[]>;
  /** The individual skipped rows, ordered by file and line. */
  rejectedRows(limit?: number): Promise<RejectedRow[]>;
  /** Forgets recorded rejects, e.g. before a full scan whose rejects alone should be reported. */
  clearRejects(): Promise<void>;
  /** Drops the view and its reject tables. */
  close(): Promise<void>;
}

/** Hidden columns of every source view. */
export const FILE_COLUMN = '__file';
export const ROW_COLUMN = '__row';
