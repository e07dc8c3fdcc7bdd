import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownAudienceId } from '../../db/queries/jobs.js';
import { accountKey } from '../../destinations/config.js';
import { startWorker } from '../../jobs/worker.js';
import { SANDBOX_CREDENTIALS } from '../../sandbox/server.js';
import { SAMPLE_KEY, startSandboxDemo, type SandboxDemo } from '../sandbox-demo.js';
import { createTestServer, type TestServer } from '../testing.js';
import { readEvents } from './test-kit.js';

/**
 * The whole product through the API only, on a real listening socket: the sandbox demo set-up, a browser upload
 * of the sample, discovery, preview, dry run, upload to each sandbox destination, a worker, the job's live events
 * until the end, and the sandbox's exact membership against the dry run's count.
 */

let server: TestServer;
let demo: SandboxDemo;
let worker: { stop(): Promise<void> };
let base: string;

beforeAll(async () => {
  server = await createTestServer({ env: { AU_QUEUE_POLLING_SECONDS: '0.5', AU_DROPZONE: 'off' } });
  demo = (await startSandboxDemo(server.runtime, { env: {}, log: () => undefined }))!;
  worker = await startWorker(server.runtime, { background: false });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await worker?.stop();
  await demo?.close();
  await server?.close();
});

async function call<T>(method: string, path: string, body?: unknown, role: 'viewer' | 'operator' | 'admin' = 'operator'): Promise<{ status: number; json: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...server.as(role), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

interface JobEvent {
  job: { id: string; state: string; audienceId: string | null; error: unknown };
  summary: { kept: number; received: number; retries: number; rateLimitWaits: number | null; stages: { name: string; state: string }[] } | null;
  progress: { batchesDone: number; rowsDone: number }[];
  eta: number | null;
}

/** Follows a job's events until `end`; returns the job events. */
async function follow(jobId: string): Promise<JobEvent[]> {
  const response = await fetch(`${base}/api/jobs/${jobId}/events`, { headers: server.as('viewer') });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events = await readEvents(response, (event) => event.event === 'end');
  expect(events.at(-1)!.event).toBe('end');
  return events.filter((event) => event.event === 'job').map((event) => JSON.parse(event.data) as JobEvent);
}

let datasetId: number;
let destinations: Map<string, number>;

async function uploadAndCheck(
  platform: 'tiktok' | 'meta',
  destinationName: string,
  request: { audience: { name: string }; mappings: { column: string; type: string }[]; defaultCountry?: string },
  options: { listAudiences?: boolean } = {},
) {
  const destinationId = destinations.get(destinationName)!;
  const preview = await call<{ columns: { column: string; valid: number; rows: unknown[] }[] }>('POST', `/api/datasets/${datasetId}/preview`, { platform, mappings: request.mappings, defaultCountry: request.defaultCountry });
  expect(preview.status).toBe(200);
  expect(preview.json.columns.find((column) => column.column === 'email')!.valid).toBeGreaterThan(1_000);

  const body = { datasetId, destinationId, mode: 'replace', ...request };
  const dryRun = await call<{ kept: number; rows: number; batches: number; expectedAdditions: number }>('POST', '/api/uploads/dry-run', body);
  expect(dryRun.status).toBe(200);
  expect(dryRun.json.rows).toBe(20_000);
  expect(dryRun.json.kept).toBeGreaterThan(1_000);
  expect(dryRun.json.expectedAdditions).toBe(dryRun.json.kept);

  const submitted = await call<{ job: { id: string; state: string } }>('POST', '/api/uploads', { ...body, acknowledgeTerms: true, saveMapping: true });
  expect(submitted.status).toBe(201);
  const events = await follow(submitted.json.job.id);
  const last = events.at(-1)!;
  expect(last.job).toMatchObject({ id: submitted.json.job.id, state: 'done', error: null });
  expect(last.summary!.kept).toBe(dryRun.json.kept);
  expect(last.summary!.stages.map((stage) => stage.state)).toEqual(['done', 'done']);
  expect(last.eta).toBeNull();
  expect(last.progress.at(-1)!.rowsDone).toBe(dryRun.json.kept);

  const audienceId = last.job.audienceId!;
  expect(demo.server.platforms[platform].members(audienceId)).toHaveLength(dryRun.json.kept);

  if (options.listAudiences !== false) {
    const audiences = await call<{ audiences: { id: string; name: string }[] }>('GET', `/api/destinations/${destinationId}/audiences?search=${encodeURIComponent(request.audience.name.slice(0, 6))}`);
    expect(audiences.json.audiences).toContainEqual(expect.objectContaining({ id: audienceId, name: request.audience.name }));
  }
  return { audienceId, kept: dryRun.json.kept, jobId: submitted.json.job.id, summary: last.summary! };
}

describe('the sandbox demo through the API', () => {
  it('sets up the sandbox destinations and the sample', async () => {
    expect(await startSandboxDemo(server.runtime, { env: { AU_SANDBOX: 'off' } })).toBeNull();
    const listed = await call<{ destinations: { id: number; name: string; platform: string; sandbox: boolean; settings: Record<string, string>; account: string }[] }>('GET', '/api/destinations', undefined, 'viewer');
    expect(listed.json.destinations).toEqual([
      expect.objectContaining({ name: 'Meta Sandbox', platform: 'meta', sandbox: true, settings: { baseUrl: demo.baseUrl }, account: SANDBOX_CREDENTIALS.meta.adAccountId }),
      expect.objectContaining({ name: 'TikTok Sandbox', platform: 'tiktok', sandbox: true, settings: { baseUrl: demo.baseUrl }, account: SANDBOX_CREDENTIALS.tiktok.advertiserId }),
    ]);
    destinations = new Map(listed.json.destinations.map((destination) => [destination.name, destination.id]));
    const samples = await call<{ files: { key: string }[] }>('GET', '/api/files?prefix=samples', undefined, 'viewer');
    expect(samples.json.files.map((file) => file.key)).toEqual([SAMPLE_KEY]);
  });

  it('uploads the sample from the browser and discovers it', async () => {
    const sample = readFileSync(server.runtime.storage.localPath(SAMPLE_KEY)!);
    const form = new FormData();
    form.append('folder', 'uploads/demo');
    form.append('file', new Blob([sample]), 'audience-sample.csv');
    const response = await fetch(`${base}/api/files`, { method: 'POST', headers: server.as('operator'), body: form });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ files: [expect.objectContaining({ key: 'uploads/demo/audience-sample.csv', size: sample.length, format: 'csv' })] });

    const created = await call<{ dataset: { id: number; columns: { name: string; suggestion: { type: string | null } }[] } }>('POST', '/api/datasets', { keys: ['uploads/demo/audience-sample.csv'] });
    expect(created.status).toBe(201);
    datasetId = created.json.dataset.id;
    expect(created.json.dataset.columns.find((column) => column.name === 'email')!.suggestion.type).toBe('EMAIL');
  });

  it('TikTok Sandbox: preview, dry run, upload, live events; the sandbox holds exactly the dry run\'s kept records', async () => {
    await uploadAndCheck('tiktok', 'TikTok Sandbox', { audience: { name: 'Demo flow TikTok' }, mappings: [{ column: 'email', type: 'EMAIL' }] });
    const saved = await call<{ mapping: { mappings: unknown[] } | null }>('GET', `/api/mappings?datasetId=${datasetId}&platform=tiktok`, undefined, 'viewer');
    expect(saved.json.mapping!.mappings).toEqual([{ column: 'email', type: 'EMAIL' }]);
  });

  it('Meta Sandbox with several identifiers', async () => {
    await uploadAndCheck('meta', 'Meta Sandbox', {
      audience: { name: 'Demo flow Meta' },
      defaultCountry: 'US',
      mappings: [
        { column: 'email', type: 'EMAIL' },
        { column: 'phone', type: 'PHONE' },
        { column: 'first_name', type: 'FN' },
        { column: 'last_name', type: 'LN' },
        { column: 'city', type: 'CT' },
        { column: 'zip', type: 'ZIP' },
        { column: 'country', type: 'COUNTRY' },
      ],
    });
  });

  it('the monitor counts the rate-limit waits and retries the platform caused', async () => {
    const sandbox = demo.server.platforms.meta;
    const before = { ...sandbox.stats().faults };
    // One request a second: the batches, sent back to back, are refused until the client waits (deterministic);
    // a share of server errors adds retries where they happen to fall.
    sandbox.faults.configure({ maxRequestsPerSecond: 1, serverErrorRate: 0.3, seed: 11 });
    try {
      const { summary } = await uploadAndCheck('meta', 'Meta Sandbox', { audience: { name: 'Demo flow faults' }, mappings: [{ column: 'email', type: 'EMAIL' }] }, { listAudiences: false });
      const after = sandbox.stats().faults;
      const throttled = after['rate-limit'] - before['rate-limit'] + (after['over-limit'] - before['over-limit']);
      const failed = after['server-error'] - before['server-error'];
      expect(summary.rateLimitWaits).toBeGreaterThan(0);
      // The batches' own requests; the audience's creation in the prepare stage may have met faults too.
      expect(summary.rateLimitWaits).toBeLessThanOrEqual(throttled);
      expect(summary.retries).toBeLessThanOrEqual(failed);
    } finally {
      sandbox.faults.configure({ maxRequestsPerSecond: 0, serverErrorRate: 0 });
    }
  });

  it('a restarted demo forgets the sandbox audiences: the same name makes a new audience in the new sandbox', async () => {
    const account = accountKey('tiktok', SANDBOX_CREDENTIALS.tiktok.advertiserId);
    const before = await knownAudienceId(server.runtime.db, 'tiktok', account, 'Demo flow TikTok');
    expect(before).toBeDefined();
    await demo.close();
    demo = (await startSandboxDemo(server.runtime, { env: {}, log: () => undefined }))!;
    expect(await knownAudienceId(server.runtime.db, 'tiktok', account, 'Demo flow TikTok')).toBeUndefined();
    const listed = await call<{ destinations: { id: number; name: string; settings: Record<string, string> }[] }>('GET', '/api/destinations', undefined, 'viewer');
    // The same records, pointing at the new port.
    expect(new Map(listed.json.destinations.map((destination) => [destination.name, destination.id]))).toEqual(destinations);
    expect(listed.json.destinations.every((destination) => destination.settings.baseUrl === demo.baseUrl)).toBe(true);

    const { audienceId } = await uploadAndCheck('tiktok', 'TikTok Sandbox', { audience: { name: 'Demo flow TikTok' }, mappings: [{ column: 'email', type: 'EMAIL' }] });
    expect(demo.server.platforms.tiktok.audiences()).toHaveLength(1);
    expect(audienceId).toBe(demo.server.platforms.tiktok.audiences()[0]!.id);
  });
});
