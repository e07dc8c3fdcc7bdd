import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../db/queries/audit.js';
import { setJobDataset } from '../../db/queries/jobs.js';
import { saveMapping } from '../../db/queries/mappings.js';
import { AuError } from '../../errors.js';
import { queueUploadJob } from '../../jobs/client.js';
import type { Runtime } from '../../jobs/runtime.js';
import { datasetSignature } from '../services/datasets.js';
import { jobView, loadJob } from '../services/jobs.js';
import { checkInputsExist, checkUploadRequest, dryRun } from '../services/uploads.js';
import { errorDoc, jobSchema, perColumnSchema, uploadRequestSchema } from './domain-schemas.js';

const validation =
  'Audience name over the platform limit: 400 AU_AUDIENCE_INVALID; no mapping: 400 AU_VALIDATION; a mapped column the dataset lacks: ' +
  '400 AU_MAPPING_COLUMN_MISSING; an identifier the platform does not take: 400 AU_MAPPING_UNSUPPORTED; no identifier the platform ' +
  'takes: 400 AU_MAPPING_INVALID.';

export const dryRunSchema = z.object({
  rows: z.number(),
  valid: z.number(),
  invalidByReason: z.record(z.string(), z.number()),
  duplicates: z.number(),
  perColumn: z.array(perColumnSchema),
  kept: z.number(),
  expectedAdditions: z.number().nullable(),
  expectedRemovals: z.number().nullable(),
  batches: z.number(),
  warnings: z.array(z.string()),
});

/** Dry runs and uploads: the wizard's last steps. */
export const uploadRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const tags = ['uploads'];

  app.post(
    '/uploads/dry-run',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: "The real transform of the dataset for the destination's platform, and the plan, without sending anything",
        description: `expectedRemovals is null for replace (only the platform knows what the audience held). ${validation} ${errorDoc}`,
        body: uploadRequestSchema,
        response: { 200: dryRunSchema },
      },
    },
    async (request) => dryRun(runtime, await checkUploadRequest(runtime, request.body)),
  );

  app.post(
    '/uploads',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Submit an upload job (acknowledgeTerms must be true)',
        description: `acknowledgeTerms missing or false: 400 AU_TERMS_NOT_ACCEPTED. ${validation} Nothing is created on error. ${errorDoc}`,
        body: uploadRequestSchema.extend({ acknowledgeTerms: z.boolean().optional() }),
        response: { 201: z.object({ job: jobSchema }) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.acknowledgeTerms !== true) {
        throw new AuError('AU_TERMS_NOT_ACCEPTED', "acknowledge the platform's customer-list terms (acknowledgeTerms: true) before uploading; nothing was created");
      }
      const checked = await checkUploadRequest(runtime, body);
      await checkInputsExist(runtime, checked.dataset.source.keys);
      const actor = request.auth!.actor;
      const job = await runtime.db.transaction(async (tx) => {
        const row = await queueUploadJob(runtime, tx, checked.spec, actor);
        await setJobDataset(tx, row.id, checked.dataset.id);
        await recordAudit(tx, {
          actor,
          action: 'upload.submitted',
          targetType: 'job',
          targetId: row.id,
          details: {
            dataset: { id: checked.dataset.id, name: checked.dataset.name, files: checked.dataset.source.files },
            destination: { id: checked.destination.id, name: checked.destination.name, platform: checked.destination.platform },
            audience: checked.spec.audience,
            mode: checked.spec.mode,
            mappings: checked.spec.mappings,
          },
        });
        if (body.saveMapping) {
          await saveMapping(tx, datasetSignature(checked.dataset), checked.definition.platform, {
            columns: checked.dataset.columns.map((column) => column.name),
            mappings: checked.spec.mappings,
            ...(checked.spec.defaultCountry ? { defaultCountry: checked.spec.defaultCountry } : {}),
            ...(checked.spec.dateFormat ? { dateFormat: checked.spec.dateFormat } : {}),
          });
        }
        return row;
      });
      return reply.code(201).send({ job: jobView(await loadJob(runtime, job.id)) });
    },
  );
};
