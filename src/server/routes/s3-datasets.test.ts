import { afterAll, beforeAll, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../sandbox/server.js';
import { startS3rver, type S3rverHandle } from '../../storage/testing.js';
import { people } from '../../testing/people-file.js';
import { startSandbox, type SandboxFixture } from '../../testing/sandbox-fixture.js';
import { createTestServer, type TestServer } from '../testing.js';

/**
 * Datasets on S3 storage (a real S3-protocol server): the browser lists the export, discovery and previews read
 * only a folder's first part file (an export can be gigabytes), and the dry run reads every part, so a part with
 * other columns is caught there, named by its key.
 */

let s3: S3rverHandle;
let sandbox: SandboxFixture;
let server: TestServer;

const csv = (header: string, from: number, to: number) =>
  `${[header, ...people(from, to).map((person) => `${person.email},${person.phone}`)].join('\n')}\n`;

beforeAll(async () => {
  s3 = await startS3rver();
  sandbox = await startSandbox();
  server = await createTestServer({
    env: { ...s3.env, STORAGE_URL: `s3://${s3.bucket}/au`, AU_DROPZONE: 'off', AU_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') },
  });
  const storage = server.runtime.storage;
  await storage.write('exports/seg/part-00000.csv', csv('email,phone', 0, 1_500));
  await storage.write('exports/seg/part-00001.csv', csv('email,phone', 1_500, 3_000));
  // Another layout: a whole read (the transform) must refuse the dataset; a sample of the first part cannot see it.
  await storage.write('exports/seg/part-00002.csv', csv('mail,telephone', 3_000, 4_500));
  await storage.write('exports/seg/_SUCCESS', '');
});

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
  await s3?.close();
});

const api = (method: 'GET' | 'POST', url: string, body?: unknown) =>
  server.app.inject({ method, url, headers: server.as('admin'), ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });

it('browses, discovers and previews an S3 folder from its first part; the dry run reads them all', async () => {
  const listing = (await api('GET', '/api/files?prefix=exports/seg')).json<{ files: { key: string }[] }>();
  expect(listing.files.map((file) => file.key)).toEqual([
    'exports/seg/_SUCCESS',
    'exports/seg/part-00000.csv',
    'exports/seg/part-00001.csv',
    'exports/seg/part-00002.csv',
  ]);

  const created = await api('POST', '/api/datasets', { keys: ['exports/seg'] });
  expect(created.statusCode).toBe(201);
  const dataset = created.json<{ dataset: { id: number; files: number; columns: { name: string; suggestion: { type: string | null } }[] } }>().dataset;
  // Three data files (the bookkeeping file is not one), of which discovery read the first.
  expect(dataset.files).toBe(3);
  expect(dataset.columns.map((column) => [column.name, column.suggestion.type])).toEqual([
    ['email', 'EMAIL'],
    ['phone', 'PHONE'],
  ]);

  const preview = await api('POST', `/api/datasets/${dataset.id}/preview`, { platform: 'tiktok', mappings: [{ column: 'email', type: 'EMAIL' }] });
  expect(preview.statusCode).toBe(200);
  expect(preview.json<{ columns: { valid: number }[] }>().columns[0]!.valid).toBeGreaterThan(1_000);

  const destination = await api('POST', '/api/destinations', {
    name: 'TikTok for S3',
    platform: 'tiktok',
    credentials: { accessToken: SANDBOX_CREDENTIALS.tiktok.accessToken, advertiserId: SANDBOX_CREDENTIALS.tiktok.advertiserId },
    settings: { baseUrl: sandbox.baseUrl },
  });
  expect(destination.statusCode).toBe(201);
  const dryRun = await api('POST', '/api/uploads/dry-run', {
    datasetId: dataset.id,
    destinationId: destination.json<{ destination: { id: number } }>().destination.id,
    audience: { name: 'S3 audience' },
    mode: 'append',
    mappings: [{ column: 'email', type: 'EMAIL' }],
  });
  expect(dryRun.statusCode).toBe(400);
  expect(dryRun.json()).toMatchObject({ code: 'AU_INPUT_MIXED_COLUMNS' });
  // Named by its storage key, not by the scratch folder it was downloaded to.
  expect(dryRun.json<{ message: string }>().message).toContain('exports/seg');
  expect(dryRun.json<{ message: string }>().message).not.toContain(server.dataDir);
});
