import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit, type AuditEntry } from '../../db/queries/audit.js';
import { DROPZONE_ROOT } from '../../dropzone/paths.js';
import type { Runtime } from '../../jobs/runtime.js';
import { iso } from '../services/common.js';

export const dropzoneSchema = z.object({
  enabled: z.boolean(),
  root: z.string(),
  activity: z.array(z.object({ at: z.string(), key: z.string(), outcome: z.string(), jobId: z.string().nullable(), message: z.string() })),
});

const OUTCOMES: Record<string, string> = { 'dropzone.submitted': 'queued', 'dropzone.processed': 'processed', 'dropzone.failed': 'failed' };

function activityOf(entry: AuditEntry) {
  const details = entry.details as { file?: unknown; jobId?: unknown; to?: unknown; code?: unknown; audience?: unknown; platform?: unknown; hashes?: unknown };
  const file = typeof details.file === 'string' ? details.file : null;
  const jobId = typeof details.jobId === 'string' ? details.jobId : entry.targetType === 'job' ? entry.targetId : null;
  const outcome = OUTCOMES[entry.action] ?? entry.action.replace(/^dropzone\./, '');
  let message: string;
  if (entry.action === 'dropzone.submitted') {
    message = `${typeof details.hashes === 'number' ? `${details.hashes.toLocaleString('en-US')} hashes` : 'a file'} queued for ${String(details.platform ?? '?')} audience "${String(details.audience ?? '?')}"`;
  } else if (entry.action === 'dropzone.processed') {
    message = `uploaded; the file was moved to ${String(details.to ?? 'processed/')}`;
  } else if (entry.action === 'dropzone.failed') {
    message = `not uploaded (${String(details.code ?? 'error')}); the file and the reason are in ${String(details.to ?? 'failed/')}`;
  } else {
    message = entry.action;
  }
  return { at: iso(entry.at)!, key: file ? `${DROPZONE_ROOT}/${file}` : '', outcome, jobId, message };
}

/** GET /api/dropzone: whether the drop zone is on, and what it did lately (from the audit log). */
export const dropzoneRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/dropzone',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['dropzone'],
        summary: 'The drop zone: on or off, and its latest 100 events (queued, processed, failed)',
        description: 'Files under dropzone/<platform>/<audience>/<identifier>/ holding SHA-256 hashes are appended to that audience.',
        response: { 200: dropzoneSchema },
      },
    },
    async () => {
      const entries = await listAudit(runtime.db, { limit: 100, actor: 'dropzone' });
      return { enabled: runtime.env.AU_DROPZONE !== 'off', root: `${DROPZONE_ROOT}/`, activity: entries.filter((entry) => entry.action.startsWith('dropzone.')).map(activityOf) };
    },
  );
};
