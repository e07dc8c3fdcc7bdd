import { z } from 'zod';
import { IDENTIFIER_TYPES } from '../../identifiers/catalog.js';
import { JOB_MODES, JOB_STATES } from '../../jobs/spec.js';

/** Zod schemas shared by the domain routes (OpenAPI at /api/docs is generated from them). */

export const idParams = z.object({ id: z.coerce.number().int().positive() });
export const jobIdParams = z.object({ id: z.string().min(1).max(64) });

export const errorDoc = 'Errors: { statusCode, code: "AU_...", error, message, details? }';

export const mappingSchema = z.object({ column: z.string().min(1).max(300), type: z.enum(IDENTIFIER_TYPES) });
export const dateFormatSchema = z.enum(['YMD', 'MDY', 'DMY']);
export const audienceSchema = z.union([
  z.object({ name: z.string().min(1).max(1_000) }).strict(),
  z.object({ id: z.string().min(1).max(100) }).strict(),
]);

export const uploadRequestSchema = z.object({
  datasetId: z.number().int().positive(),
  destinationId: z.number().int().positive(),
  audience: audienceSchema,
  mode: z.enum(JOB_MODES),
  mappings: z.array(mappingSchema).min(1, 'map at least one column to an identifier').max(50),
  defaultCountry: z.string().max(60).optional(),
  dateFormat: dateFormatSchema.optional(),
  saveMapping: z.boolean().optional(),
});

const batchCounts = z.object({
  total: z.number(),
  done: z.number(),
  failed: z.number(),
  dead: z.number(),
  sending: z.number(),
  queued: z.number(),
  pending: z.number(),
});

export const jobSchema = z.object({
  id: z.string(),
  state: z.enum(JOB_STATES),
  platform: z.string(),
  destinationId: z.number().nullable(),
  destinationName: z.string().nullable(),
  audienceName: z.string().nullable(),
  audienceId: z.string().nullable(),
  mode: z.enum(JOB_MODES),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).nullable(),
  batches: batchCounts,
  datasetId: z.number().nullable(),
  inputs: z.array(z.string()),
});

const reasons = z.record(z.string(), z.number());

export const perColumnSchema = z.object({
  column: z.string(),
  type: z.string(),
  valid: z.number(),
  empty: z.number(),
  invalid: z.number(),
  invalidByReason: reasons,
});

export const jobDetailSchema = z.object({
  job: jobSchema,
  summary: z
    .object({
      rows: z.number(),
      valid: z.number(),
      invalidByReason: reasons,
      duplicates: z.number(),
      kept: z.number(),
      received: z.number(),
      rejected: z.number(),
      rejectedSamples: z.record(z.string(), z.string()).optional(),
      retries: z.number(),
      rateLimitWaits: z.number().nullable(),
      stages: z.array(
        z.object({
          name: z.enum(['prepare', 'upload']),
          state: z.enum(['pending', 'running', 'done', 'failed', 'skipped']),
          startedAt: z.string().nullable(),
          finishedAt: z.string().nullable(),
        }),
      ),
      perColumn: z.array(perColumnSchema),
    })
    .nullable(),
  batches: z.array(
    z.object({
      seq: z.number(),
      kind: z.string(),
      rows: z.number(),
      state: z.string(),
      attempts: z.number(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
      finishedAt: z.string().nullable(),
    }),
  ),
  progress: z.array(z.object({ at: z.string(), batchesDone: z.number(), rowsDone: z.number() })),
  eta: z.number().nullable(),
});

export const destinationSchema = z.object({
  id: z.number(),
  name: z.string(),
  platform: z.string(),
  platformLabel: z.string(),
  account: z.string(),
  sandbox: z.boolean(),
  settings: z.record(z.string(), z.string()),
  credentialFields: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const datasetSchema = z.object({
  id: z.number(),
  name: z.string(),
  keys: z.array(z.string()),
  files: z.number(),
  format: z.string(),
  rows: z.object({ count: z.number(), exact: z.boolean() }),
  warnings: z.array(z.string()),
  columns: z.array(
    z.object({
      name: z.string(),
      inferredType: z.string(),
      emptyRate: z.number(),
      samples: z.array(z.string()),
      suggestion: z.object({ type: z.string().nullable(), confidence: z.number(), reason: z.string() }),
    }),
  ),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});

export const savedMappingSchema = z.object({
  id: z.number(),
  platform: z.string(),
  columns: z.array(z.string()),
  mappings: z.array(mappingSchema),
  defaultCountry: z.string().optional(),
  dateFormat: dateFormatSchema.optional(),
  updatedAt: z.string(),
});

export const fileSchema = z.object({
  key: z.string(),
  name: z.string(),
  size: z.number(),
  modified: z.string(),
  format: z.enum(['csv', 'json', 'jsonl', 'parquet']).nullable(),
  gzip: z.boolean(),
});

/** `?flag=true` / `false` in a query string. */
export const queryBoolean = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((value) => value === 'true' || value === '1');
