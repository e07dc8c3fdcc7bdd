import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jobChangeMark, listJobsForApi } from '../../db/queries/jobs.js';
import { cancelJob, retryJob } from '../../jobs/client.js';
import type { Runtime } from '../../jobs/runtime.js';
import { jobDetail, jobView, loadJob } from '../services/jobs.js';
import { FINAL_JOB_STATES, JOB_STATES } from '../../jobs/spec.js';
import { errorDoc, jobDetailSchema, jobIdParams, jobSchema } from './domain-schemas.js';

export const jobListSchema = z.object({ jobs: z.array(jobSchema), nextBefore: z.string().nullable() });

/** How often a live view looks for changes, and how often it proves the connection alive. */
export const EVENTS_POLL_MS = 500;
export const EVENTS_HEARTBEAT_MS = 15_000;

/** The live event streams open in this process (each ends itself when its client goes away). */
const openStreams = new Set<() => void>();

export function activeJobStreams(): number {
  return openStreams.size;
}

/** Jobs: list, detail (summary, batches, progress, ETA), live events, retry and cancel. */
export const jobRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (instance, { runtime }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const tags = ['jobs'];
  // Live streams never end on their own while a job runs: end them when the server closes, or it would wait on them.
  const streams = new Set<() => void>();
  instance.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
  const track = (end: () => void) => {
    streams.add(end);
    openStreams.add(end);
  };
  const untrack = (end: () => void) => {
    streams.delete(end);
    openStreams.delete(end);
  };

  app.get(
    '/jobs',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Jobs, newest first, with filters; page with before=<the last id of the previous page>',
        querystring: z.object({
          state: z.enum(JOB_STATES).optional(),
          platform: z.string().max(40).optional(),
          destinationId: z.coerce.number().int().positive().optional(),
          createdBy: z.string().max(320).optional(),
          search: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.uuid().optional(),
        }),
        response: { 200: jobListSchema },
      },
    },
    async (request) => {
      const rows = await listJobsForApi(runtime.db, request.query);
      return { jobs: rows.map(jobView), nextBefore: rows.length === request.query.limit ? rows.at(-1)!.id : null };
    },
  );

  app.get(
    '/jobs/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'A job with its summary, batches, progress over time and ETA (seconds)',
        description: `error.hint says what to do, in plain words. ${errorDoc}`,
        params: jobIdParams,
        response: { 200: jobDetailSchema },
      },
    },
    async (request) => jobDetail(runtime, request.params.id),
  );

  app.get(
    '/jobs/:id/events',
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Server-sent events: `event: job` with the same JSON as GET /api/jobs/:id on every change, `event: end` when final',
        description: 'The current state is sent at once; a comment line every 15 s keeps the connection open.',
        params: jobIdParams,
      },
    },
    async (request, reply) => {
      // Before the stream starts: an unknown job is a plain 404.
      await loadJob(runtime, request.params.id);
      const id = request.params.id;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let closed = false;
      let timer: NodeJS.Timeout | undefined;
      const heartbeat = setInterval(() => {
        if (!closed) raw.write(': keep-alive\n\n');
      }, EVENTS_HEARTBEAT_MS);
      const stop = () => {
        if (closed) return;
        closed = true;
        untrack(end);
        clearInterval(heartbeat);
        if (timer) clearTimeout(timer);
      };
      const end = () => {
        stop();
        raw.end();
      };
      track(end);
      // The response's 'close': the client went away (the request's own 'close' fires once its body is read).
      raw.on('close', stop);
      let lastMark: string | null = null;
      const tick = async () => {
        if (closed) return;
        try {
          const mark = await jobChangeMark(runtime.db, id);
          if (mark !== lastMark) {
            lastMark = mark;
            const detail = await jobDetail(runtime, id);
            if (closed) return;
            raw.write(`event: job\ndata: ${JSON.stringify(jobDetailSchema.parse(detail))}\n\n`);
            if (FINAL_JOB_STATES.has(detail.job.state)) {
              raw.write('event: end\ndata: {}\n\n');
              end();
              return;
            }
          }
        } catch (error) {
          if (closed) return;
          request.log.error({ err: error }, 'job events');
          raw.write(`event: error\ndata: ${JSON.stringify({ message: 'the job could not be read; reconnect to try again' })}\n\n`);
          end();
          return;
        }
        if (!closed) timer = setTimeout(() => void tick(), EVENTS_POLL_MS);
      };
      await tick();
    },
  );

  /** A route that acts on one job and answers it as it is afterwards; the action is audited with the prior state. */
  const jobAction = (
    verb: 'retry' | 'cancel',
    docs: { summary: string; description: string },
    act: (jobId: string, actor: string) => Promise<unknown>,
  ) =>
    app.post(
      `/jobs/:id/${verb}`,
      {
        config: { access: 'operator' },
        schema: {
          tags,
          summary: docs.summary,
          description: `${docs.description} ${errorDoc}`,
          params: jobIdParams,
          response: { 200: z.object({ job: jobSchema }) },
        },
      },
      async (request) => {
        const job = await loadJob(runtime, request.params.id);
        await act(job.id, request.auth!.actor);
        return { job: jobView(await loadJob(runtime, job.id)) };
      },
    );

  jobAction(
    'retry',
    {
      summary: 'Send the failed and dead batches of a job again (or prepare again a job that failed before its plan)',
      description: '409 AU_JOB_STATE unless the job failed or died.',
    },
    (jobId, actor) => retryJob(runtime, jobId, actor),
  );
  jobAction(
    'cancel',
    {
      summary: 'Stop a job: no batch starts after this (batches the platform already accepted stay applied)',
      description: '409 AU_JOB_STATE when the job is already over.',
    },
    (jobId, actor) => cancelJob(runtime, jobId, actor),
  );
};
