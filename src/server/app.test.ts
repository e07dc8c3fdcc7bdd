import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../jobs/runtime.js';
import { buildServer } from './app.js';

let runtime: Runtime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'au-server-'));
  runtime = await openRuntime({ dataDir, env: {} });
});

afterAll(async () => {
  await runtime.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('answers health and readiness without authentication', async () => {
  const app = await buildServer(runtime);
  expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toMatchObject({ ok: true, database: 'pglite' });
  await app.close();
});
