import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appSecretProof } from '../destinations/meta/api.js';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { people, writePeopleCsv } from '../testing/people-file.js';

/**
 * Runs the real CLI in a child process, the way users do, and looks for the access tokens and the app secret in
 * everything it prints and everything it leaves in the data folder: success, failures and dry runs.
 */
const APP_SECRET = 'sandbox-app-secret-4f1c9a';
const bin = join(process.cwd(), 'bin', 'audience-uploader');

let sandbox: SandboxFixture;
let work: string;
let input: string;

beforeAll(async () => {
  sandbox = await startSandbox({ meta: { appSecret: APP_SECRET } });
  work = mkdtempSync(join(tmpdir(), 'au-secrets-'));
  input = join(work, 'people.csv');
  writePeopleCsv(input, people(0, 1200));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: work, env: { PATH: process.env.PATH, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secrets never appear in output or files', () => {
  it('across successful uploads, failures and dry runs of both platforms', async () => {
    const dataDir = join(work, 'data');
    const env: NodeJS.ProcessEnv = { ...sandbox.env, AU_META_APP_SECRET: APP_SECRET, AU_DATA_DIR: dataDir };
    const secrets = [env.AU_TIKTOK_ACCESS_TOKEN!, env.AU_META_ACCESS_TOKEN!, APP_SECRET, appSecretProof(env.AU_META_ACCESS_TOKEN!, APP_SECRET)];
    const runs = [
      { args: ['upload', input, '-d', 'tiktok', '-a', 'Secret test', '-m', 'email=EMAIL'], env, code: 0 },
      { args: ['upload', input, '-d', 'meta', '-a', 'Secret test', '-m', 'email=EMAIL,phone=PHONE', '--default-country', 'US', '--json'], env, code: 0 },
      { args: ['upload', input, '-d', 'meta', '-a', 'Dry', '-m', 'email=EMAIL', '--dry-run'], env, code: 0 },
      { args: ['upload', input, '-d', 'tiktok', '-a', 'Dry', '-m', 'email=EMAIL', '--dry-run'], env, code: 0 },
      { args: ['upload', input, '-d', 'tiktok', '-a', 'Wrong', '-m', 'email=EMAIL'], env: { ...env, AU_TIKTOK_ACCESS_TOKEN: `${env.AU_TIKTOK_ACCESS_TOKEN}-expired` }, code: 1 },
      { args: ['upload', input, '-d', 'meta', '-a', 'Wrong', '-m', 'email=EMAIL'], env: { ...env, AU_META_APP_SECRET: `${APP_SECRET}-old` }, code: 1 },
    ];
    const outputs: string[] = [];
    for (const run of runs) {
      const { code, output } = await cli(run.args, run.env);
      expect({ args: run.args.slice(0, 6), code }).toEqual({ args: run.args.slice(0, 6), code: run.code });
      outputs.push(output);
    }
    // The failures said which credential to fix.
    expect(outputs[4]).toMatch(/AU_TIKTOK_ACCESS_TOKEN/);
    expect(outputs[5]).toMatch(/AU_META_APP_SECRET/);
    const written = filesUnder(dataDir);
    expect(written.some((path) => path.includes('requests'))).toBe(true);
    for (const secret of secrets) {
      outputs.forEach((output, index) => expect(output.includes(secret), `run ${index} printed a secret`).toBe(false));
      for (const path of written) expect(readFileSync(path, 'latin1').includes(secret), `${path} holds a secret`).toBe(false);
    }
  });
});
