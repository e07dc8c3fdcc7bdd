import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../db/queries/audit.js';
import { SANDBOX_CREDENTIALS } from '../../sandbox/server.js';
import { people } from '../../testing/people-file.js';
import { startSandbox, type SandboxFixture } from '../../testing/sandbox-fixture.js';
import { createTestServer, type TestServer } from '../testing.js';
import type { AddressInfo } from 'node:net';
import { activeJobStreams } from './jobs.js';
import { multipart, readEvents } from './test-kit.js';

/**
 * The domain routes on a fresh embedded database, with a real in-process sandbox: every route's happy path and the
 * bad inputs of the issue (a path in a file name, a file over the limit, an unknown format, a mapping with no
 * identifier, an audience name over the limit, credentials the platform refuses, terms not acknowledged, a viewer
 * uploading).
 */

const UPLOAD_LIMIT = 64 * 1024;
let server: TestServer;
let sandbox: SandboxFixture;

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await createTestServer({ env: { AU_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT), AU_DROPZONE: 'off', AU_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') } });
});

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, role: 'viewer' | 'operator' | 'admin', body?: unknown) =>
  server.app.inject({ method, url, headers: server.as(role), ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });

/** A CSV of made-up people: messy emails and phones, plus rows without any valid identifier. */
function peopleCsv(from: number, to: number, invalidRows = 0): string {
  const lines = ['email,phone,first_name', ...people(from, to).map((p, i) => `${p.email},${p.phone},Name${i}`)];
  for (let i = 0; i < invalidRows; i++) lines.push(i % 2 === 0 ? 'not-an-email,12,x' : ',,');
  return `${lines.join('\n')}\n`;
}

describe('platforms and destinations', () => {
  it('lists the platforms with their identifiers, limits and fields', async () => {
    const response = await api('GET', '/api/platforms', 'viewer');
    expect(response.statusCode).toBe(200);
    const { platforms } = response.json<{ platforms: { id: string; audienceNameMaxLength: number; identifierTypes: { type: string }[]; credentialFields: { name: string; secret: boolean }[] }[] }>();
    const tiktok = platforms.find((p) => p.id === 'tiktok')!;
    expect(tiktok.audienceNameMaxLength).toBe(128);
    expect(tiktok.identifierTypes.map((t) => t.type)).toEqual(expect.arrayContaining(['EMAIL', 'PHONE', 'COUNTRY']));
    expect(tiktok.credentialFields).toContainEqual({ name: 'accessToken', label: 'Access token', secret: true, required: true });
    expect(platforms.find((p) => p.id === 'meta')!.identifierTypes.map((t) => t.type)).toContain('FN');
  });

  it('refuses credentials the platform rejects with 422 and its reason, and saves nothing', async () => {
    const response = await api('POST', '/api/destinations', 'admin', {
      name: 'Refused TikTok',
      platform: 'tiktok',
      credentials: { accessToken: 'not-a-valid-token', advertiserId: SANDBOX_CREDENTIALS.tiktok.advertiserId },
      settings: { baseUrl: sandbox.baseUrl },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'AU_AUTH_FAILED', statusCode: 422 });
    expect(response.body).not.toContain('not-a-valid-token');
    const list = (await api('GET', '/api/destinations', 'viewer')).json<{ destinations: { name: string }[] }>();
    expect(list.destinations.map((d) => d.name)).not.toContain('Refused TikTok');
    const [count] = await server.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM destination_credentials');
    expect(count!.n).toBe(0);
  });

  it('creates, tests, lists (without secrets), rotates and deletes a destination; only admins create', async () => {
    const body = {
      name: 'Sandbox Meta',
      platform: 'meta',
      credentials: { accessToken: SANDBOX_CREDENTIALS.meta.accessToken, adAccountId: SANDBOX_CREDENTIALS.meta.adAccountId },
      settings: { baseUrl: sandbox.baseUrl },
    };
    expect((await api('POST', '/api/destinations', 'operator', body)).statusCode).toBe(403);
    const created = await api('POST', '/api/destinations', 'admin', body);
    expect(created.statusCode).toBe(201);
    const destination = created.json<{ destination: { id: number; credentialFields: string[]; account: string; platformLabel: string } }>().destination;
    expect(destination).toMatchObject({ account: SANDBOX_CREDENTIALS.meta.adAccountId, platformLabel: 'Meta', sandbox: false });
    expect(destination.credentialFields.sort()).toEqual(['accessToken', 'adAccountId']);
    expect(created.body).not.toContain(SANDBOX_CREDENTIALS.meta.accessToken);

    const listed = await api('GET', '/api/destinations', 'viewer');
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(SANDBOX_CREDENTIALS.meta.accessToken);

    const tested = await api('POST', `/api/destinations/${destination.id}/test`, 'operator');
    expect(tested.statusCode).toBe(200);
    expect(tested.json()).toMatchObject({ ok: true, account: SANDBOX_CREDENTIALS.meta.adAccountId });

    const audiences = await api('GET', `/api/destinations/${destination.id}/audiences?search=demo`, 'operator');
    expect(audiences.statusCode).toBe(200);
    expect(audiences.json()).toEqual({ audiences: [] });

    // Rotating to a token the platform refuses changes nothing; the stored one still works.
    const refused = await api('PUT', `/api/destinations/${destination.id}/credentials`, 'admin', { credentials: { accessToken: 'revoked-token' } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'AU_AUTH_FAILED' });
    expect((await api('POST', `/api/destinations/${destination.id}/test`, 'operator')).statusCode).toBe(200);
    const rotated = await api('PUT', `/api/destinations/${destination.id}/credentials`, 'admin', { credentials: { accessToken: SANDBOX_CREDENTIALS.meta.accessToken } });
    expect(rotated.statusCode).toBe(200);

    const skipped = await api('POST', '/api/destinations?skipTest=true', 'admin', { ...body, name: 'Untested Meta', credentials: { ...body.credentials, accessToken: 'never-checked' } });
    expect(skipped.statusCode).toBe(201);
    const untested = skipped.json<{ destination: { id: number } }>().destination;
    const failing = await api('POST', `/api/destinations/${untested.id}/test`, 'operator');
    expect(failing.statusCode).toBe(422);
    expect(failing.body).not.toContain('never-checked');

    expect((await api('DELETE', `/api/destinations/${untested.id}`, 'admin')).statusCode).toBe(204);
    expect((await api('DELETE', `/api/destinations/${untested.id}`, 'admin')).statusCode).toBe(404);
    const [audit] = await server.runtime.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'destination.%' AND actor = 'admin@example.test'`);
    expect(audit!.n).toBeGreaterThanOrEqual(4);
  });
});

describe('files', () => {
  it('uploads files into a folder, lists and searches them', async () => {
    const form = multipart([
      { field: 'folder', content: 'exports/segment-a' },
      { field: 'file', filename: 'part-1.csv', content: peopleCsv(0, 10) },
      { field: 'file', filename: 'part-2.csv.gz', content: Buffer.from([0x1f, 0x8b, 0, 0]) },
    ]);
    const response = await server.app.inject({ method: 'POST', url: '/api/files', headers: { ...server.as('operator'), ...form.headers }, payload: form.payload });
    expect(response.statusCode).toBe(201);
    expect(response.json<{ files: { key: string; format: string; gzip: boolean }[] }>().files).toEqual([
      expect.objectContaining({ key: 'exports/segment-a/part-1.csv', name: 'part-1.csv', format: 'csv', gzip: false }),
      expect.objectContaining({ key: 'exports/segment-a/part-2.csv.gz', format: 'csv', gzip: true, size: 4 }),
    ]);

    const root = await api('GET', '/api/files', 'viewer');
    expect(root.json()).toMatchObject({ prefix: '', folders: [{ key: 'exports/', name: 'exports' }], files: [], nextCursor: null, uploadMaxBytes: UPLOAD_LIMIT });
    const page = await api('GET', '/api/files?prefix=exports/segment-a&limit=1', 'viewer');
    expect(page.json()).toMatchObject({ prefix: 'exports/segment-a/', files: [{ key: 'exports/segment-a/part-1.csv' }], nextCursor: 'exports/segment-a/part-1.csv' });
    const next = await api('GET', `/api/files?prefix=exports/segment-a&limit=1&cursor=${encodeURIComponent('exports/segment-a/part-1.csv')}`, 'viewer');
    expect(next.json()).toMatchObject({ files: [{ key: 'exports/segment-a/part-2.csv.gz' }], nextCursor: null });
    const search = await api('GET', '/api/files?search=PART-2', 'viewer');
    expect(search.json()).toMatchObject({ folders: [], files: [{ key: 'exports/segment-a/part-2.csv.gz' }], uploadMaxBytes: UPLOAD_LIMIT });
  });

  it('refuses a listing outside the storage root', async () => {
    for (const prefix of ['../', '/etc', 'a/../../b']) {
      const response = await api('GET', `/api/files?prefix=${encodeURIComponent(prefix)}`, 'viewer');
      expect(response.statusCode, prefix).toBe(400);
      expect(response.json()).toMatchObject({ code: 'AU_STORAGE_PATH_INVALID' });
    }
  });

  it('refuses a file name with a path, an unknown format, a file over the limit, and saves nothing of the request', async () => {
    const send = (parts: Parameters<typeof multipart>[0]) => {
      const form = multipart(parts);
      return server.app.inject({ method: 'POST', url: '/api/files', headers: { ...server.as('operator'), ...form.headers }, payload: form.payload });
    };
    const traversal = await send([{ field: 'file', filename: '../escape.csv', content: 'email\na@example.test\n' }]);
    expect(traversal.statusCode).toBe(400);
    expect(traversal.json()).toMatchObject({ code: 'AU_STORAGE_PATH_INVALID' });
    const control = await send([{ field: 'file', filename: 'bad\u0001name.csv', content: 'email\n' }]);
    expect(control.json()).toMatchObject({ code: 'AU_STORAGE_PATH_INVALID' });

    // The first file was fine, the second is not: the first is removed too.
    const unknown = await send([
      { field: 'file', filename: 'good.csv', content: 'email\na@example.test\n' },
      { field: 'file', filename: 'report.xlsx', content: 'PK' },
    ]);
    expect(unknown.statusCode).toBe(415);
    expect(unknown.json()).toMatchObject({ code: 'AU_FILE_TYPE' });

    const large = await send([
      { field: 'file', filename: 'small.csv', content: 'email\na@example.test\n' },
      { field: 'file', filename: 'large.csv', content: Buffer.alloc(UPLOAD_LIMIT + 10, 'a') },
    ]);
    expect(large.statusCode).toBe(413);
    expect(large.json()).toMatchObject({ code: 'AU_FILE_TOO_LARGE' });

    // Over a real socket too, with the rest of the body still arriving when the answer is sent.
    const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(UPLOAD_LIMIT * 20, 'b')]), 'socket-large.csv');
    const overSocket = await fetch(`${address}/api/files`, { method: 'POST', headers: server.as('operator'), body: form });
    expect(overSocket.status).toBe(413);
    expect(await overSocket.json()).toMatchObject({ code: 'AU_FILE_TOO_LARGE' });

    const exactly = await send([{ field: 'file', filename: 'exactly.csv', content: Buffer.alloc(UPLOAD_LIMIT, 'a') }]);
    expect(exactly.statusCode).toBe(201);
    await server.runtime.storage.delete('uploads/exactly.csv');

    const internal = await server.app.inject({ method: 'POST', url: '/api/files?folder=jobs', headers: { ...server.as('operator'), ...multipart([{ field: 'file', filename: 'x.csv', content: 'a' }]).headers }, payload: multipart([{ field: 'file', filename: 'x.csv', content: 'a' }]).payload });
    expect(internal.statusCode).toBe(400);

    const listed = await server.runtime.storage.list('', { recursive: true });
    expect(listed.objects.map((object) => object.key).filter((key) => key.startsWith('uploads/'))).toEqual([]);
    expect(listed.objects.map((object) => object.key)).not.toContain('escape.csv');
  });
});

describe('datasets, previews, dry runs and uploads', () => {
  let tiktokId: number;
  let datasetId: number;

  beforeAll(async () => {
    await server.runtime.storage.write('exports/people/part-00000.csv', peopleCsv(0, 800, 20));
    await server.runtime.storage.write('exports/people/part-00001.csv', peopleCsv(800, 1_500, 10));
    await server.runtime.storage.write('exports/people/_SUCCESS', '');
    const created = await api('POST', '/api/destinations', 'admin', {
      name: 'Sandbox TikTok',
      platform: 'tiktok',
      credentials: { accessToken: SANDBOX_CREDENTIALS.tiktok.accessToken, advertiserId: SANDBOX_CREDENTIALS.tiktok.advertiserId },
      settings: { baseUrl: sandbox.baseUrl },
    });
    expect(created.statusCode).toBe(201);
    tiktokId = created.json<{ destination: { id: number } }>().destination.id;
  });

  it('discovers a folder of part files: columns, masked samples, suggestions', async () => {
    const response = await api('POST', '/api/datasets', 'operator', { keys: ['exports/people'] });
    expect(response.statusCode).toBe(201);
    const { dataset } = response.json<{ dataset: { id: number; name: string; files: number; keys: string[]; createdBy: string; columns: { name: string; samples: string[]; suggestion: { type: string | null; confidence: number } }[] } }>();
    datasetId = dataset.id;
    expect(dataset).toMatchObject({ name: 'people', files: 2, keys: ['exports/people'], createdBy: 'operator@example.test', rows: { count: 1_530 } });
    expect(dataset.columns.map((c) => c.name)).toEqual(['email', 'phone', 'first_name']);
    const email = dataset.columns.find((c) => c.name === 'email')!;
    expect(email.suggestion.type).toBe('EMAIL');
    expect(email.suggestion.confidence).toBeGreaterThan(0.5);
    // Masked: no sample is a whole address.
    for (const column of dataset.columns) for (const sample of column.samples) expect(sample).toMatch(/\*/);
    expect(response.body.toLowerCase()).not.toContain('person.1@example.test');

    expect((await api('GET', `/api/datasets/${datasetId}`, 'viewer')).json()).toMatchObject({ dataset: { id: datasetId } });
    expect((await api('GET', '/api/datasets', 'viewer')).json<{ datasets: { id: number }[] }>().datasets[0]!.id).toBe(datasetId);
    expect((await api('GET', '/api/datasets/999999', 'viewer')).statusCode).toBe(404);
  });

  it('refuses datasets of missing keys or outside the storage root', async () => {
    expect((await api('POST', '/api/datasets', 'operator', { keys: ['nothing/here.csv'] })).json()).toMatchObject({ statusCode: 404, code: 'AU_STORAGE_NOT_FOUND' });
    expect((await api('POST', '/api/datasets', 'operator', { keys: ['../outside'] })).json()).toMatchObject({ statusCode: 400, code: 'AU_STORAGE_PATH_INVALID' });
    // A file that is not data: the error names the key, not the server's local path.
    await server.runtime.storage.write('exports/empty.csv', '');
    const empty = await api('POST', '/api/datasets', 'operator', { keys: ['exports/empty.csv'] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json<{ message: string }>().message).toContain('exports/empty.csv');
    expect(empty.body).not.toContain(server.dataDir);
  });

  it('previews a mapping with the reference rules: shares, reasons, masked examples and hashes', async () => {
    const response = await api('POST', `/api/datasets/${datasetId}/preview`, 'operator', {
      platform: 'meta',
      mappings: [
        { column: 'email', type: 'EMAIL' },
        { column: 'phone', type: 'PHONE' },
      ],
      defaultCountry: 'US',
    });
    expect(response.statusCode).toBe(200);
    const { columns } = response.json<{ columns: { column: string; valid: number; invalid: number; empty: number; validShare: number; invalidByReason: Record<string, number>; prehashed: boolean; rows: { raw: string; normalized: string | null; hash: string | null; reason: string | null }[] }[] }>();
    const email = columns.find((c) => c.column === 'email')!;
    expect(email.valid).toBe(1_500);
    expect(email.invalidByReason).toEqual({ invalid_email: 15 });
    expect(email.empty).toBe(15);
    expect(email.validShare).toBeCloseTo(1_500 / 1_530, 3);
    expect(email.prehashed).toBe(false);
    expect(email.rows).toHaveLength(5);
    const valid = email.rows.find((row) => row.reason === null)!;
    expect(valid.raw).toMatch(/^.\*\*\*@.\*\*\*\.test$/);
    expect(valid.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(email.rows.some((row) => row.reason === 'invalid_email' && row.hash === null)).toBe(true);
    expect(columns.find((c) => c.column === 'phone')!.valid).toBe(1_500);
    expect(response.body.toLowerCase()).not.toMatch(/person\.\d+@example\.test/);

    const unsupported = await api('POST', `/api/datasets/${datasetId}/preview`, 'operator', { platform: 'tiktok', mappings: [{ column: 'first_name', type: 'FN' }] });
    expect(unsupported.json()).toMatchObject({ statusCode: 400, code: 'AU_MAPPING_UNSUPPORTED' });
  });

  const request = () => ({
    datasetId,
    destinationId: tiktokId,
    audience: { name: 'Domain test audience' },
    mode: 'append',
    mappings: [{ column: 'email', type: 'EMAIL' }],
  });

  it('dry-runs the real transform: counts, batches, expected changes per mode', async () => {
    const append = await api('POST', '/api/uploads/dry-run', 'operator', request());
    expect(append.statusCode).toBe(200);
    const plan = append.json<{ rows: number; kept: number; valid: number; duplicates: number; batches: number; expectedAdditions: number; expectedRemovals: number; invalidByReason: Record<string, number>; perColumn: unknown[] }>();
    expect(plan).toMatchObject({ rows: 1_530, valid: 1_500, kept: 1_500, duplicates: 0, expectedAdditions: 1_500, expectedRemovals: 0, invalidByReason: { invalid_email: 15 } });
    expect(plan.batches).toBe(2);
    expect(plan.perColumn).toEqual([{ column: 'email', type: 'EMAIL', valid: 1_500, empty: 15, invalid: 15, invalidByReason: { invalid_email: 15 } }]);

    const replace = (await api('POST', '/api/uploads/dry-run', 'operator', { ...request(), mode: 'replace' })).json();
    expect(replace).toMatchObject({ expectedAdditions: 1_500, expectedRemovals: null });
    const remove = (await api('POST', '/api/uploads/dry-run', 'operator', { ...request(), mode: 'remove' })).json<{ expectedAdditions: number; expectedRemovals: number; warnings: string[] }>();
    expect(remove).toMatchObject({ expectedAdditions: 0, expectedRemovals: 1_500 });
    expect(remove.warnings.join(' ')).toContain('existing audience');
    const mirror = (await api('POST', '/api/uploads/dry-run', 'operator', { ...request(), mode: 'mirror' })).json();
    expect(mirror).toMatchObject({ expectedAdditions: 1_500, expectedRemovals: 0, kept: 1_500 });
    // The scratch folders are gone.
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    expect(readdirSync(join(server.dataDir, 'work')).filter((name) => name.startsWith('api-'))).toEqual([]);
  });

  it('refuses bad requests with the right codes, creating nothing', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...request(), mappings: [] }, 400, 'AU_VALIDATION'],
      [{ ...request(), mappings: [{ column: 'phone', type: 'COUNTRY' }] }, 400, 'AU_MAPPING_INVALID'],
      [{ ...request(), mappings: [{ column: 'nope', type: 'EMAIL' }] }, 400, 'AU_MAPPING_COLUMN_MISSING'],
      [{ ...request(), mappings: [{ column: 'first_name', type: 'FN' }] }, 400, 'AU_MAPPING_UNSUPPORTED'],
      [{ ...request(), audience: { name: 'x'.repeat(129) } }, 400, 'AU_AUDIENCE_INVALID'],
      [{ ...request(), defaultCountry: 'Narnia' }, 400, 'AU_OPTION_INVALID'],
      [{ ...request(), datasetId: 999_999 }, 404, 'AU_DATASET_NOT_FOUND'],
      [{ ...request(), destinationId: 999_999 }, 404, 'AU_DESTINATION_NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      for (const url of ['/api/uploads/dry-run', '/api/uploads']) {
        const response = await api('POST', url, 'operator', { ...body, acknowledgeTerms: true });
        expect({ url, body, status: response.statusCode, code: response.json<{ code: string }>().code }).toEqual({ url, body, status, code });
      }
    }
    const missing = await api('POST', '/api/uploads/dry-run', 'operator', { ...request(), mappings: [{ column: 'nope', type: 'EMAIL' }] });
    expect(missing.json<{ message: string }>().message).toContain('"nope"');

    const unacknowledged = await api('POST', '/api/uploads', 'operator', request());
    expect(unacknowledged.statusCode).toBe(400);
    expect(unacknowledged.json()).toMatchObject({ code: 'AU_TERMS_NOT_ACCEPTED' });
    expect((await api('POST', '/api/uploads', 'operator', { ...request(), acknowledgeTerms: false })).json()).toMatchObject({ code: 'AU_TERMS_NOT_ACCEPTED' });

    const viewer = await api('POST', '/api/uploads', 'viewer', { ...request(), acknowledgeTerms: true });
    expect(viewer.statusCode).toBe(403);

    const [jobs] = await server.runtime.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
    expect(jobs!.n).toBe(0);
  });

  it('submits an upload job (audit, saved mapping), lists, shows, cancels it; retry of a cancelled job is 409', async () => {
    const response = await api('POST', '/api/uploads', 'operator', { ...request(), acknowledgeTerms: true, saveMapping: true, defaultCountry: 'us' });
    expect(response.statusCode).toBe(201);
    const { job } = response.json<{ job: { id: string; state: string; destinationName: string; createdBy: string; datasetId: number; inputs: string[]; audienceName: string } }>();
    expect(job).toMatchObject({
      state: 'queued',
      platform: 'tiktok',
      destinationId: tiktokId,
      destinationName: 'Sandbox TikTok',
      audienceName: 'Domain test audience',
      createdBy: 'operator@example.test',
      datasetId,
      inputs: ['exports/people'],
      mode: 'append',
      error: null,
      batches: { total: 0 },
    });

    const audit = await api('GET', '/api/audit?actor=operator%40example.test', 'admin');
    expect(audit.statusCode).toBe(200);
    const entry = audit.json<{ entries: { action: string; targetId: string; details: Record<string, unknown> }[] }>().entries.find((e) => e.action === 'upload.submitted')!;
    expect(entry.targetId).toBe(job.id);
    expect(entry.details).toMatchObject({ mode: 'append', destination: { name: 'Sandbox TikTok' }, dataset: { id: datasetId } });
    expect((await api('GET', '/api/audit', 'operator')).statusCode).toBe(403);

    const saved = await api('GET', `/api/mappings?datasetId=${datasetId}&platform=tiktok`, 'viewer');
    expect(saved.json()).toMatchObject({ mapping: { platform: 'tiktok', columns: ['email', 'phone', 'first_name'], mappings: [{ column: 'email', type: 'EMAIL' }], defaultCountry: 'US' } });
    expect((await api('GET', `/api/mappings?datasetId=${datasetId}&platform=meta`, 'viewer')).json()).toEqual({ mapping: null });
    const all = (await api('GET', '/api/mappings', 'viewer')).json<{ mappings: { id: number }[] }>();
    expect(all.mappings).toHaveLength(1);

    const list = await api('GET', '/api/jobs?platform=tiktok&search=domain', 'viewer');
    expect(list.json()).toMatchObject({ jobs: [{ id: job.id }], nextBefore: null });
    expect((await api('GET', '/api/jobs?state=done', 'viewer')).json()).toEqual({ jobs: [], nextBefore: null });
    expect((await api('GET', `/api/jobs?limit=1`, 'viewer')).json()).toMatchObject({ nextBefore: job.id });
    expect((await api('GET', `/api/jobs?before=${job.id}`, 'viewer')).json()).toEqual({ jobs: [], nextBefore: null });

    const detail = await api('GET', `/api/jobs/${job.id}`, 'viewer');
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({ job: { id: job.id }, summary: null, batches: [], progress: [], eta: null });
    expect((await api('GET', '/api/jobs/00000000-0000-0000-0000-000000000000', 'viewer')).statusCode).toBe(404);

    // Live events over a socket: the current state at once; the server stops polling when the client goes away.
    const address = server.app.server.address() as AddressInfo;
    const controller = new AbortController();
    const live = await fetch(`http://127.0.0.1:${address.port}/api/jobs/${job.id}/events`, { headers: server.as('viewer'), signal: controller.signal });
    const first = await readEvents(live, () => true);
    expect(first).toHaveLength(1);
    expect(JSON.parse(first[0]!.data)).toMatchObject({ job: { id: job.id, state: 'queued' } });
    expect(activeJobStreams()).toBe(1);
    controller.abort();
    await expect.poll(() => activeJobStreams(), { timeout: 5_000 }).toBe(0);

    // A destination with an unfinished job cannot be deleted.
    expect((await api('DELETE', `/api/destinations/${tiktokId}`, 'admin')).json()).toMatchObject({ statusCode: 409, code: 'AU_DESTINATION_IN_USE' });

    const dashboard = await api('GET', '/api/dashboard', 'viewer');
    expect(dashboard.json()).toMatchObject({ counts: { queued: 1, done: 0 }, recent: [{ id: job.id }], destinations: 2, schedules: 0 });

    expect((await api('POST', `/api/jobs/${job.id}/cancel`, 'viewer')).statusCode).toBe(403);
    const cancelled = await api('POST', `/api/jobs/${job.id}/cancel`, 'operator');
    expect(cancelled.json()).toMatchObject({ job: { state: 'cancelled' } });
    expect((await api('POST', `/api/jobs/${job.id}/cancel`, 'operator')).json()).toMatchObject({ statusCode: 409, code: 'AU_JOB_STATE' });
    expect((await api('POST', `/api/jobs/${job.id}/retry`, 'operator')).json()).toMatchObject({ statusCode: 409, code: 'AU_JOB_STATE' });

    // A final job's events: its state, then the end, at once.
    const events = await api('GET', `/api/jobs/${job.id}/events`, 'viewer');
    expect(events.headers['content-type']).toContain('text/event-stream');
    expect(events.body).toMatch(/^event: job\ndata: \{.*"state":"cancelled".*\}\n\nevent: end\ndata: \{\}\n\n$/s);

    const mapping = all.mappings[0]!;
    expect((await api('DELETE', `/api/mappings/${mapping.id}`, 'operator')).statusCode).toBe(204);
    expect((await api('DELETE', `/api/mappings/${mapping.id}`, 'operator')).statusCode).toBe(404);
  });

  it('creates, lists, runs and deletes a schedule by id', async () => {
    const invalid = await api('POST', '/api/schedules', 'operator', { name: 'Bad', cron: 'every day', upload: request() });
    expect(invalid.json()).toMatchObject({ statusCode: 400, code: 'AU_SCHEDULE_INVALID' });
    const created = await api('POST', '/api/schedules', 'operator', { name: 'Nightly mirror', cron: '0 3 * * *', timezone: 'Europe/Paris', upload: { ...request(), mode: 'mirror' } });
    expect(created.statusCode).toBe(201);
    const { schedule } = created.json<{ schedule: { id: number } }>();
    expect(schedule).toMatchObject({ name: 'Nightly mirror', cron: '0 3 * * *', timezone: 'Europe/Paris', destinationName: 'Sandbox TikTok', audienceName: 'Domain test audience', mode: 'mirror', enabled: true, lastJob: null });
    const listed = (await api('GET', '/api/schedules', 'viewer')).json<{ schedules: { id: number; name: string; nextRunAt: string | null }[] }>();
    expect(listed).toMatchObject({ schedules: [{ id: schedule.id, name: 'Nightly mirror' }] });
    // 03:00 in Paris is 01:00 or 02:00 UTC, within the next day.
    const next = new Date(listed.schedules[0]!.nextRunAt!);
    expect([1, 2]).toContain(next.getUTCHours());
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getTime() - Date.now()).toBeGreaterThan(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    const run = await api('POST', `/api/schedules/${schedule.id}/run`, 'operator');
    expect(run.statusCode).toBe(200);
    const { job } = run.json<{ job: { id: string } }>();
    expect(job).toMatchObject({ state: 'queued', mode: 'mirror', createdBy: 'operator@example.test' });
    expect((await api('POST', `/api/schedules/${schedule.id}/run`, 'operator')).json()).toMatchObject({ statusCode: 409, code: 'AU_JOB_STATE' });
    expect((await api('GET', '/api/schedules', 'viewer')).json()).toMatchObject({ schedules: [{ lastJob: { id: job.id, state: 'queued' } }] });
    await api('POST', `/api/jobs/${job.id}/cancel`, 'operator');
    expect((await api('DELETE', `/api/schedules/${schedule.id}`, 'operator')).statusCode).toBe(204);
    expect((await api('DELETE', `/api/schedules/${schedule.id}`, 'operator')).json()).toMatchObject({ statusCode: 404, code: 'AU_SCHEDULE_NOT_FOUND' });
  });

  it('shows the drop zone activity from the audit log', async () => {
    await recordAudit(server.runtime.db, {
      actor: 'dropzone',
      action: 'dropzone.submitted',
      targetType: 'dropzone_claim',
      targetId: 'claim-1',
      details: { jobId: '11111111-1111-1111-1111-111111111111', file: 'tiktok/Buyers/EMAIL/list.csv', platform: 'tiktok', audience: 'Buyers', identifier: 'EMAIL', hashes: 1200 },
    });
    const response = await api('GET', '/api/dropzone', 'viewer');
    expect(response.json()).toEqual({
      enabled: false,
      root: 'dropzone/',
      activity: [
        {
          at: expect.any(String),
          key: 'dropzone/tiktok/Buyers/EMAIL/list.csv',
          outcome: 'queued',
          jobId: '11111111-1111-1111-1111-111111111111',
          message: '1,200 hashes queued for tiktok audience "Buyers"',
        },
      ],
    });
  });
});
