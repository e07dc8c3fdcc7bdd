import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getScheduleById } from '../../db/queries/schedules.js';
import { AuError } from '../../errors.js';
import type { Runtime } from '../../jobs/runtime.js';
import { nextRunAt } from '../../schedules/next-run.js';
import { createSchedule, getSchedule, listSchedules, removeSchedule, runScheduleNow, type Schedule } from '../../schedules/schedules.js';
import { iso } from '../services/common.js';
import { jobView, loadJob } from '../services/jobs.js';
import { checkUploadRequest } from '../services/uploads.js';
import { audienceSchema, dateFormatSchema, errorDoc, idParams, jobSchema, mappingSchema } from './domain-schemas.js';
import { JOB_MODES, JOB_STATES } from '../../jobs/spec.js';

export const newScheduleSchema = z.object({
  name: z.string().min(1).max(100),
  cron: z.string().min(1).max(100),
  timezone: z.string().max(60).optional(),
  upload: z.object({
    datasetId: z.number().int().positive(),
    destinationId: z.number().int().positive(),
    audience: audienceSchema,
    mode: z.enum(JOB_MODES),
    mappings: z.array(mappingSchema).min(1).max(50),
    defaultCountry: z.string().max(60).optional(),
    dateFormat: dateFormatSchema.optional(),
  }),
});

export const scheduleSchema = z.object({
  id: z.number(),
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  destinationId: z.number().nullable(),
  destinationName: z.string().nullable(),
  audienceName: z.string().nullable(),
  mode: z.enum(JOB_MODES),
  enabled: z.boolean(),
  lastRunAt: z.string().nullable(),
  /** When the cron is next due; null for a disabled schedule (its runs are skipped) or an expression that cannot be read. */
  nextRunAt: z.string().nullable(),
  lastJob: z.object({ id: z.string(), state: z.enum(JOB_STATES), createdAt: z.string() }).nullable(),
});

function scheduleView(schedule: Schedule, now: Date = new Date()): z.infer<typeof scheduleSchema> {
  const audience = schedule.spec.audience;
  return {
    id: schedule.id,
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    destinationId: schedule.destination?.id ?? null,
    destinationName: schedule.destination?.name ?? null,
    audienceName: 'name' in audience ? audience.name : null,
    mode: schedule.spec.mode,
    enabled: schedule.enabled,
    lastRunAt: iso(schedule.lastRunAt),
    nextRunAt: schedule.enabled ? iso(nextRunAt(schedule.cron, schedule.timezone, now)) : null,
    lastJob: schedule.lastJob ? { id: schedule.lastJob.id, state: schedule.lastJob.state, createdAt: iso(schedule.lastJob.createdAt)! } : null,
  };
}

/** Schedules: a saved upload (dataset, destination, audience, mode, mapping) run on a cron expression. */
export const scheduleRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const tags = ['schedules'];
  /** The module works by name; the API by id. */
  const nameOf = async (id: number) => {
    const row = await getScheduleById(runtime.db, id);
    if (!row) throw new AuError('AU_SCHEDULE_NOT_FOUND', `There is no schedule ${id}`, { scheduleId: id });
    return row.name;
  };

  app.get(
    '/schedules',
    { config: { access: 'viewer' }, schema: { tags, summary: 'Schedules with their last run and their next one (from the cron expression in its time zone)', response: { 200: z.object({ schedules: z.array(scheduleSchema) }) } } },
    async () => {
      // one "now" for the whole list, so schedules with the same expression show the same next run
      const now = new Date();
      return { schedules: (await listSchedules(runtime)).map((schedule) => scheduleView(schedule, now)) };
    },
  );

  app.post(
    '/schedules',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Create a schedule: an upload of a dataset run on a cron expression (five fields, or @daily...)',
        description: `400 AU_SCHEDULE_INVALID for an expression, time zone or name that is not valid; 409 AU_ALREADY_EXISTS for a taken name. ${errorDoc}`,
        body: newScheduleSchema,
        response: { 201: z.object({ schedule: scheduleSchema }) },
      },
    },
    async (request, reply) => {
      const { spec } = await checkUploadRequest(runtime, request.body.upload);
      const schedule = await createSchedule(runtime, { name: request.body.name, cron: request.body.cron, timezone: request.body.timezone, spec }, { actor: request.auth!.actor });
      return reply.code(201).send({ schedule: scheduleView(schedule) });
    },
  );

  app.post(
    '/schedules/:id/run',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Run a schedule now',
        description: `409 AU_JOB_STATE while its previous job is unfinished. ${errorDoc}`,
        params: idParams,
        response: { 200: z.object({ job: jobSchema }) },
      },
    },
    async (request) => {
      const job = await runScheduleNow(runtime, await nameOf(request.params.id), { actor: request.auth!.actor });
      return { job: jobView(await loadJob(runtime, job.id)) };
    },
  );

  app.delete(
    '/schedules/:id',
    { config: { access: 'operator' }, schema: { tags, summary: 'Delete a schedule (the jobs it ran stay in the history)', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      const name = await nameOf(request.params.id);
      await getSchedule(runtime, name);
      await removeSchedule(runtime, name, { actor: request.auth!.actor });
      return reply.code(204).send(null);
    },
  );
};
