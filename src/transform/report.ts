import type { IdentifierType } from '../identifiers/catalog.js';
import type { DateFormat, InvalidReason } from '../identifiers/rule.js';
import type { OutputFile } from './file-parts.js';

/** Per mapped column: what happened to its values. */
export interface ColumnReport {
  column: string;
  identifier: IdentifierType;
  /** The rule applied; `prehashed` when the column already held SHA-256 values. */
  rule: string;
  prehashed: boolean;
  /** Share of 64-hex values among the sampled non-empty values. */
  hexShare: number;
  /** Only gives other identifiers their country (COUNTRY for a platform that does not take it). */
  contextOnly: boolean;
  valid: number;
  empty: number;
  invalid: Partial<Record<InvalidReason, number>>;
}

export interface SourceRejectReport {
  reason: string;
  count: number;
  /** Up to a few places, file and line; never the line's content. */
  examples: { file: string; line: number }[];
}

/** report.json: deterministic (no times, no absolute output paths) so the same input gives the same bytes. */
export interface TransformReport {
  version: 1;
  destination: string;
  inputs: { path: string; format: string; bytes: number }[];
  settings: { defaultCountry: string | null; dateFormat: DateFormat | null };
  rows: {
    /** Data rows in the input, including rows the reader could not parse. */
    read: number;
    /** Rows the reader could not parse (ragged, bad encoding), by reason in `sourceRejects`. */
    unreadable: number;
    /** Rows with at least one valid identifier that the destination takes. */
    withIdentifier: number;
    withoutIdentifier: number;
    /** Output records removed because an identical one was already kept. */
    duplicates: number;
    /** Records written to the output files. */
    kept: number;
  };
  columns: ColumnReport[];
  sourceRejects: SourceRejectReport[];
  output: { layout: 'single' | 'multi'; typeName: string; header: string[] | null; files: OutputFile[] };
  warnings: string[];
}
