import { z } from 'zod';
import { IDENTIFIER_TYPES } from '../identifiers/catalog.js';

/**
 * What an upload job is asked to do, as stored in `jobs.options`. Validated when the job is submitted and again
 * when a worker reads it, so a row written by another version fails clearly.
 */
export const JOB_MODES = ['append', 'remove', 'replace', 'mirror'] as const;
export type JobMode = (typeof JOB_MODES)[number];

export const uploadJobSpecSchema = z.object({
  platform: z.string().min(1),
  /**
   * A saved destination (`destinations add`, its id): credentials come from the vault and settings from the record.
   * Absent: from the worker's environment (AU_TIKTOK_*, AU_META_*), as the CLI reads them.
   */
  destinationId: z.number().int().positive().optional(),
  audience: z.union([z.object({ name: z.string().min(1) }), z.object({ id: z.string().min(1) })]),
  mode: z.enum(JOB_MODES),
  /** Mirror without removals. */
  additive: z.boolean().optional(),
  /** Storage keys (files or folders of part files), or, for a CLI on one machine, local paths. */
  inputs: z.union([z.object({ storage: z.array(z.string().min(1)).min(1) }), z.object({ local: z.array(z.string().min(1)).min(1) })]),
  mappings: z.array(z.object({ column: z.string().min(1), type: z.enum(IDENTIFIER_TYPES) })).min(1),
  defaultCountry: z.string().optional(),
  dateFormat: z.enum(['YMD', 'MDY', 'DMY']).optional(),
  /** Input rows are already SHA-256 hashed (drop zone). */
  prehashed: z.boolean().optional(),
});

export type UploadJobSpec = z.infer<typeof uploadJobSpecSchema>;

export { BATCH_STATES, FINAL_JOB_STATES, JOB_STATES, type BatchState, type JobState } from './states.js';

/** pg-boss queues: one job prepares an upload (transform, plan), then one job per batch. */
export const QUEUES = { prepare: 'au-prepare', batch: 'au-batch' } as const;

export interface PrepareMessage {
  jobId: string;
}

export interface BatchMessage {
  jobId: string;
  seq: number;
}
