import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listAudit } from '../db/queries/audit.js';
import { openRuntime } from '../jobs/runtime.js';
import { buildServer } from './app.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/audience-uploader', import.meta.url));

let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'au-users-cli-'));
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The CLI in a child process on the temp data folder (embedded database, local storage: nothing inherited). */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, AU_DATA_DIR: dataDir };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env, cwd: dataDir });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

/** Signs in through the API built on the same data folder once the CLI has exited (PGlite: one process at a time). */
async function signIn(email: string, password: string): Promise<{ status: number; mustChangePassword?: boolean }> {
  const runtime = await openRuntime({ dataDir, env: {} });
  try {
    const app = await buildServer(runtime, { webRoot: false });
    const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
    await app.close();
    return { status: response.statusCode, mustChangePassword: response.statusCode === 200 ? response.json().user.mustChangePassword : undefined };
  } finally {
    await runtime.close();
  }
}

it('`users add` prints a one-time password that signs in (and must be changed); `users disable` locks the user out', async () => {
  const added = await cli('users', 'add', 'x@example.test', '--role', 'operator');
  expect(added.code, added.stderr).toBe(0);
  const password = /one-time password for x@example\.test: (\S+)/.exec(added.stdout)?.[1];
  expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
  expect(await signIn('x@example.test', password!)).toEqual({ status: 200, mustChangePassword: true });

  const disabled = await cli('users', 'disable', 'X@example.test');
  expect(disabled.code, disabled.stderr).toBe(0);
  expect(disabled.stdout).toMatch(/^disabled x@example\.test {2}operator/);
  expect((await signIn('x@example.test', password!)).status).toBe(401);

  const runtime = await openRuntime({ dataDir, env: {} });
  try {
    const actions = (await listAudit(runtime.db, { limit: 10, actor: 'cli' })).map((e) => e.action);
    expect(actions.sort()).toEqual(['user.created', 'user.disabled']);
  } finally {
    await runtime.close();
  }

  const unknown = await cli('users', 'reset-password', 'nobody@example.test');
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('AU_USER_NOT_FOUND');
});
