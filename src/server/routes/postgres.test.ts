import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../db/test-kit.js';
import { SANDBOX_CREDENTIALS } from '../../sandbox/server.js';
import { people } from '../../testing/people-file.js';
import { createTestServer, type TestServer } from '../testing.js';

/** The API's own SQL (job lists and details, counts, datasets, mappings, audit) on PostgreSQL as on PGlite. */

let server: TestServer;
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  server = await createTestServer({ env: { DATABASE_URL: db.url, AU_DROPZONE: 'off', AU_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') } });
});

afterAll(async () => {
  await server?.close();
  await drop?.();
});

const api = (method: 'GET' | 'POST', url: string, body?: unknown) =>
  server.app.inject({ method, url, headers: server.as('admin'), ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });

it('records a dataset and an upload, and reads them back through every list', async () => {
  await server.runtime.storage.write('exports/list.csv', ['email', ...people(0, 50).map((p) => p.email)].join('\n'));
  const destination = await api('POST', '/api/destinations?skipTest=true', {
    name: 'PG TikTok',
    platform: 'tiktok',
    credentials: { accessToken: SANDBOX_CREDENTIALS.tiktok.accessToken, advertiserId: SANDBOX_CREDENTIALS.tiktok.advertiserId },
  });
  expect(destination.statusCode).toBe(201);
  const destinationId = destination.json<{ destination: { id: number } }>().destination.id;
  const dataset = await api('POST', '/api/datasets', { keys: ['exports/list.csv'], name: 'List' });
  expect(dataset.statusCode).toBe(201);
  const datasetId = dataset.json<{ dataset: { id: number } }>().dataset.id;

  const submitted = await api('POST', '/api/uploads', {
    datasetId,
    destinationId,
    audience: { name: 'PG audience' },
    mode: 'append',
    mappings: [{ column: 'email', type: 'EMAIL' }],
    acknowledgeTerms: true,
    saveMapping: true,
  });
  expect(submitted.statusCode).toBe(201);
  const job = submitted.json<{ job: { id: string } }>().job;
  expect(job).toMatchObject({ state: 'queued', datasetId, destinationName: 'PG TikTok', batches: { total: 0, pending: 0 } });

  expect((await api('GET', `/api/jobs?destinationId=${destinationId}&createdBy=admin%40example.test&search=pg%20aud`)).json()).toMatchObject({ jobs: [{ id: job.id }] });
  expect((await api('GET', `/api/jobs/${job.id}`)).json()).toMatchObject({ job: { id: job.id }, summary: null, batches: [], progress: [], eta: null });
  expect((await api('GET', '/api/dashboard')).json()).toMatchObject({ counts: { queued: 1 }, destinations: 1, schedules: 0 });
  expect((await api('GET', `/api/mappings?datasetId=${datasetId}&platform=tiktok`)).json()).toMatchObject({ mapping: { columns: ['email'] } });
  expect((await api('POST', `/api/jobs/${job.id}/cancel`)).json()).toMatchObject({ job: { state: 'cancelled' } });
  const events = await api('GET', `/api/jobs/${job.id}/events`);
  expect(events.body).toContain('event: end');
  const audit = (await api('GET', '/api/audit?limit=2')).json<{ entries: { action: string }[]; nextBefore: number | null }>();
  expect(audit.entries.map((entry) => entry.action)).toEqual(['job.cancelled', 'upload.submitted']);
  expect(audit.nextBefore).not.toBeNull();
  expect((await api('GET', `/api/audit?limit=2&before=${audit.nextBefore}`)).json<{ entries: { action: string }[] }>().entries.map((entry) => entry.action)).toContain('destination.created');
});
