import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listDatasets } from '../../db/queries/datasets.js';
import { deleteSavedMapping, getSavedMapping, getSavedMappingById, listSavedMappings, type SavedMapping } from '../../db/queries/mappings.js';
import { recordAudit } from '../../db/queries/audit.js';
import { DESTINATIONS } from '../../destinations/registry.js';
import { AuError } from '../../errors.js';
import { IDENTIFIER_TYPES } from '../../identifiers/catalog.js';
import type { Runtime } from '../../jobs/runtime.js';
import { iso } from '../services/common.js';
import { createDataset, datasetSignature, datasetView, loadDataset, previewDataset } from '../services/datasets.js';
import { datasetSchema, dateFormatSchema, errorDoc, idParams, mappingSchema, savedMappingSchema } from './domain-schemas.js';

const platformEnum = z.enum(Object.keys(DESTINATIONS) as [string, ...string[]]);

export const previewRequestSchema = z.object({
  platform: platformEnum,
  mappings: z.array(mappingSchema).min(1).max(50),
  defaultCountry: z.string().max(60).optional(),
  dateFormat: dateFormatSchema.optional(),
});
export const previewResponseSchema = z.object({
  columns: z.array(
    z.object({
      column: z.string(),
      type: z.string(),
      validShare: z.number(),
      valid: z.number(),
      empty: z.number(),
      invalid: z.number(),
      invalidByReason: z.record(z.string(), z.number()),
      prehashed: z.boolean(),
      rows: z.array(z.object({ raw: z.string(), normalized: z.string().nullable(), hash: z.string().nullable(), reason: z.string().nullable() })),
    }),
  ),
});

/** A saved mapping as the API shows it; what was stored with it (column names, mapping, options) and when. */
export function savedMappingView(row: SavedMapping): z.infer<typeof savedMappingSchema> {
  const stored = row.mapping as { columns?: unknown; mappings?: unknown; defaultCountry?: unknown; dateFormat?: unknown };
  const mappings = Array.isArray(stored.mappings)
    ? stored.mappings.filter((m): m is { column: string; type: (typeof IDENTIFIER_TYPES)[number] } => typeof m?.column === 'string' && IDENTIFIER_TYPES.includes(m?.type))
    : [];
  const dateFormat = dateFormatSchema.safeParse(stored.dateFormat);
  return {
    id: row.id,
    platform: row.platform,
    columns: Array.isArray(stored.columns) ? stored.columns.filter((c): c is string => typeof c === 'string') : [],
    mappings,
    ...(typeof stored.defaultCountry === 'string' ? { defaultCountry: stored.defaultCountry } : {}),
    ...(dateFormat.success ? { dateFormat: dateFormat.data } : {}),
    updatedAt: iso(row.updatedAt)!,
  };
}

/**
 * Datasets (files or folders of part files in storage, with discovered columns), previews of a mapping on a
 * sample, and the mappings remembered per column layout and platform.
 */
export const datasetRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const tags = ['datasets'];

  app.post(
    '/datasets',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Discover the columns of files in storage (a sample is read) and record them as a dataset',
        description: `Samples are masked. 404 AU_STORAGE_NOT_FOUND when nothing is at a key; AU_INPUT_* when the files cannot be read. ${errorDoc}`,
        body: z.object({ keys: z.array(z.string().min(1).max(1_024)).min(1).max(100), name: z.string().max(200).optional() }),
        response: { 201: z.object({ dataset: datasetSchema }) },
      },
    },
    async (request, reply) => {
      const row = await createDataset(runtime, request.body, request.auth!.actor);
      return reply.code(201).send({ dataset: datasetView(row) });
    },
  );

  app.get(
    '/datasets',
    { config: { access: 'viewer' }, schema: { tags, summary: 'The 50 most recent datasets', response: { 200: z.object({ datasets: z.array(datasetSchema) }) } } },
    async () => ({ datasets: (await listDatasets(runtime.db, { limit: 50 })).map(datasetView) }),
  );

  app.get(
    '/datasets/:id',
    { config: { access: 'viewer' }, schema: { tags, summary: 'One dataset', params: idParams, response: { 200: z.object({ dataset: datasetSchema }) } } },
    async (request) => ({ dataset: datasetView(await loadDataset(runtime, request.params.id)) }),
  );

  app.post(
    '/datasets/:id/preview',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: "A mapping applied to a sample (up to 2,000 rows) with the platform's rules: validity, reasons, examples",
        description: `Examples are masked: raw → normalized → hash. ${errorDoc}`,
        params: idParams,
        body: previewRequestSchema,
        response: { 200: previewResponseSchema },
      },
    },
    async (request) => {
      const dataset = await loadDataset(runtime, request.params.id);
      return { columns: await previewDataset(runtime, dataset, request.body) };
    },
  );

  app.get(
    '/mappings',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['mappings'],
        summary: 'The saved mapping of a dataset for a platform (datasetId and platform), else every saved mapping',
        querystring: z.object({ datasetId: z.coerce.number().int().positive().optional(), platform: platformEnum.optional() }),
        response: { 200: z.union([z.object({ mapping: savedMappingSchema.nullable() }), z.object({ mappings: z.array(savedMappingSchema) })]) },
      },
    },
    async (request) => {
      const { datasetId, platform } = request.query;
      if (datasetId !== undefined && platform !== undefined) {
        const dataset = await loadDataset(runtime, datasetId);
        const row = await getSavedMapping(runtime.db, datasetSignature(dataset), platform);
        return { mapping: row ? savedMappingView(row) : null };
      }
      if (datasetId !== undefined) throw new AuError('AU_VALIDATION', 'give the platform with the dataset id', { issues: [{ field: 'querystring.platform', message: 'required with datasetId' }] });
      return { mappings: (await listSavedMappings(runtime.db, { platform })).map(savedMappingView) };
    },
  );

  app.delete(
    '/mappings/:id',
    { config: { access: 'operator' }, schema: { tags: ['mappings'], summary: 'Forget a saved mapping', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      const row = await getSavedMappingById(runtime.db, request.params.id);
      if (!row || !(await deleteSavedMapping(runtime.db, row.id))) throw new AuError('AU_NOT_FOUND', `There is no saved mapping ${request.params.id}`);
      await recordAudit(runtime.db, { actor: request.auth!.actor, action: 'mapping.removed', targetType: 'mapping', targetId: row.id, details: { platform: row.platform } });
      return reply.code(204).send(null);
    },
  );
};
