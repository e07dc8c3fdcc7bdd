import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '../../db/queries/audit.js';
import { AuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { checkUploadFolder, checkUploadName, fileView, listFiles, storeUpload, uploadMaxBytes } from '../services/files.js';
import { errorDoc, fileSchema } from './domain-schemas.js';

export const fileListingSchema = z.object({
  prefix: z.string(),
  folders: z.array(z.object({ key: z.string(), name: z.string() })),
  files: z.array(fileSchema),
  nextCursor: z.string().nullable(),
  /** AU_UPLOAD_MAX_BYTES: the browser refuses a larger file before sending any of it. */
  uploadMaxBytes: z.number().int().positive(),
});
export const uploadedFilesSchema = z.object({ files: z.array(fileSchema) });

/**
 * The storage browser and browser uploads. Uploads stream to storage (never whole in memory), each file written
 * atomically; when any file of a request fails, the files it already stored are removed: nothing half-saved.
 */
export const fileRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const maxBytes = uploadMaxBytes(runtime.env);
  // One more byte than allowed: a file that reaches it is over the limit (busboy stops at the limit itself).
  // preservePath: the name as sent, so a name with a path is refused rather than silently cut to its last part.
  await instance.register(multipart, { limits: { fileSize: maxBytes + 1, files: 20, fields: 10, parts: 40 }, preservePath: true });
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const tags = ['files'];

  app.get(
    '/files',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'List a storage folder (folders and files), or search the names of the files below it; with the upload size limit',
        description: `Keys are relative to the storage root; "../" or an absolute path: 400 AU_STORAGE_PATH_INVALID. ${errorDoc}`,
        querystring: z.object({
          prefix: z.string().max(1_024).optional(),
          search: z.string().max(200).optional(),
          cursor: z.string().max(1_024).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: fileListingSchema },
      },
    },
    async (request) => ({
      ...(await listFiles(runtime, { prefix: request.query.prefix ?? '', search: request.query.search, cursor: request.query.cursor, limit: request.query.limit })),
      uploadMaxBytes: maxBytes,
    }),
  );

  app.post(
    '/files',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Upload files (multipart/form-data: field "file", one or more; optional field "folder" first, default "uploads")',
        description:
          `Accepted: .csv .tsv .txt .json .jsonl .ndjson .parquet, optionally .gz. Over AU_UPLOAD_MAX_BYTES (default 2 GiB): 413 ` +
          `AU_FILE_TOO_LARGE; another extension: 415 AU_FILE_TYPE; a name with a path or control characters: 400 ` +
          `AU_STORAGE_PATH_INVALID. The folder may also be given as ?folder=. ${errorDoc}`,
        consumes: ['multipart/form-data'],
        querystring: z.object({ folder: z.string().max(1_024).optional() }),
        response: { 201: uploadedFilesSchema },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new AuError('AU_VALIDATION', 'send the files as multipart/form-data, in the field "file"');
      let folder = checkUploadFolder(request.query.folder ?? 'uploads');
      const stored: { key: string; size: number; modified: Date }[] = [];
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            if (part.fieldname !== 'folder') continue;
            if (stored.length > 0) throw new AuError('AU_VALIDATION', 'send the "folder" field before the files');
            folder = checkUploadFolder(String(part.value));
            continue;
          }
          if (part.fieldname !== 'file') {
            part.file.resume();
            throw new AuError('AU_VALIDATION', `unexpected file field "${part.fieldname}": send files in the field "file"`);
          }
          let name: string;
          try {
            name = checkUploadName(part.filename);
          } catch (error) {
            part.file.resume();
            throw error;
          }
          const key = folder === '' ? name : `${folder}/${name}`;
          if (stored.some((object) => object.key === key)) {
            part.file.resume();
            throw new AuError('AU_VALIDATION', `the file "${name}" is sent twice`);
          }
          stored.push(await storeUpload(runtime, key, part.file, maxBytes));
        }
      } catch (error) {
        for (const object of stored) await runtime.storage.delete(object.key).catch(() => undefined);
        throw error;
      }
      if (stored.length === 0) throw new AuError('AU_VALIDATION', 'no file was sent (field "file")');
      await recordAudit(runtime.db, {
        actor: request.auth!.actor,
        action: 'files.uploaded',
        targetType: 'storage',
        targetId: folder,
        details: { files: stored.map((object) => ({ key: object.key, size: object.size })) },
      });
      return reply.code(201).send({ files: stored.map(fileView) });
    },
  );
};
