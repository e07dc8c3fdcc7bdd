import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { createTarget, type TestTarget } from '../db/test-kit.js';
import { SANDBOX_CREDENTIALS } from '../sandbox/server.js';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';

/**
 * `destinations` and `schedules` commands, on the embedded database with a generated key file. They run in this
 * process (`main`, with the environment and output swapped), since each spawned CLI costs seconds of CPU; one run of
 * the real binary checks the wiring.
 */
const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/audience-uploader');

let sandbox: SandboxFixture;
let target: TestTarget;
/** The data folder (AU_DATA_DIR), with an empty embedded database copied from the test template (no initdb). */
let root: string;
const WRONG_TOKEN = 'wrong-token-0123456789abcdef';

beforeAll(async () => {
  sandbox = await startSandbox();
  target = await createTarget('pglite');
  root = target.dataDir;
});

afterAll(async () => {
  await sandbox.close();
  await target?.cleanup();
});

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('AU_') || key === 'DATABASE_URL' || key === 'STORAGE_URL') delete process.env[key];
  Object.assign(process.env, { AU_DATA_DIR: root, ...env });
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['node', 'audience-uploader', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

async function spawnCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', AU_DATA_DIR: root }, cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesBelow(join(dir, entry.name)) : [join(dir, entry.name)]));
}

describe('destinations and schedules commands', () => {
  it('add, list, test and remove destinations and schedules; secrets are never printed nor stored in clear', async () => {
    const tiktokEnv = { AU_TIKTOK_ACCESS_TOKEN: SANDBOX_CREDENTIALS.tiktok.accessToken, AU_TIKTOK_ADVERTISER_ID: SANDBOX_CREDENTIALS.tiktok.advertiserId };
    const outputs: string[] = [];
    const record = <T extends { stdout: string; stderr: string }>(result: T): T => {
      outputs.push(result.stdout, result.stderr);
      return result;
    };

    const added = record(await cli(tiktokEnv, 'destinations', 'add', 'Sandbox TikTok', '--platform', 'tiktok', '--setting', `baseUrl=${sandbox.baseUrl}`, '--sandbox'));
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain(`added Sandbox TikTok  TikTok Ads (tiktok) [sandbox]  account ${SANDBOX_CREDENTIALS.tiktok.advertiserId}`);
    expect(added.stdout).toContain('accessToken set');
    expect(added.stdout).toContain('Access token: from AU_TIKTOK_ACCESS_TOKEN');
    expect(added.stderr).toMatch(/warning: A new master key was generated at .*master\.key/);
    expect(statSync(join(root, 'master.key')).mode & 0o777).toBe(0o600);

    const missing = record(await cli({}, 'destinations', 'add', 'Meta', '--platform', 'meta'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error AU_CREDENTIALS_MISSING: Meta: set AU_META_ACCESS_TOKEN \(Access token\) in the environment or in \.env, or run this on a terminal/);

    const badToken = record(await cli({ ...tiktokEnv, AU_TIKTOK_ACCESS_TOKEN: WRONG_TOKEN }, 'destinations', 'add', 'Bad token', '--platform', 'tiktok', '--setting', `baseUrl=${sandbox.baseUrl}`));
    expect(badToken.code).toBe(0);
    expect(badToken.stderr).not.toContain('master key was generated');

    const listed = record(await cli({}, 'destinations', 'list', '--json'));
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as { name: string; credentials: { key: string; set: boolean; value?: string }[] }[];
    expect(rows.map((row) => row.name)).toEqual(['Bad token', 'Sandbox TikTok']);
    expect(rows[1]!.credentials).toEqual([
      { key: 'accessToken', label: 'Access token', set: true },
      { key: 'advertiserId', label: 'Advertiser id', set: true, value: SANDBOX_CREDENTIALS.tiktok.advertiserId },
    ]);

    const ok = record(await cli({}, 'destinations', 'test', 'Sandbox TikTok'));
    expect(ok).toMatchObject({ code: 0, stdout: `ok: TikTok Ads accepts the credentials of "Sandbox TikTok" (account ${SANDBOX_CREDENTIALS.tiktok.advertiserId})\n` });
    const refused = record(await cli({}, 'destinations', 'test', 'Bad token'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error AU_AUTH_FAILED: Bad token: /);
    const wrongKey = record(await cli({ AU_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') }, 'destinations', 'test', 'Sandbox TikTok'));
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^error AU_VAULT_KEY_MISMATCH: Saved destination "Sandbox TikTok": .*set AU_MASTER_KEY/);

    const badCron = record(await cli({}, 'schedules', 'add', 'Nightly', '--cron', '61 * * * *', '--destination', 'Sandbox TikTok', '--audience', 'Nightly', '--map', 'email=EMAIL', '--input', 'exports/nightly/'));
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toBe(
      'error AU_SCHEDULE_INVALID: The cron expression "61 * * * *" is not valid (Constraint error, got value 61 expected range 0-59): use five fields, minute hour day-of-month month day-of-week, e.g. "0 3 * * *" (03:00 every day) or "*/15 * * * *" (every 15 minutes), or @hourly, @daily, @weekly, @monthly\n',
    );
    const schedule = record(
      await cli({}, 'schedules', 'add', 'Nightly', '--cron', '0 3 * * *', '--tz', 'Europe/Paris', '--destination', 'Sandbox TikTok', '--audience', 'Nightly', '--map', 'email=EMAIL', '--input', 'exports/nightly/'),
    );
    expect(schedule).toMatchObject({ code: 0 });
    expect(schedule.stdout).toContain('added Nightly  "0 3 * * *" Europe/Paris\n    mirror exports/nightly → "Sandbox TikTok" (tiktok) audience "Nightly"; never run');
    const byPlatform = record(await cli({}, 'schedules', 'add', 'Hourly', '--cron', '@hourly', '--destination', 'meta', '--audience-id', '123', '--map', 'email=EMAIL', '--input', 'exports/h.csv', '--mode', 'append'));
    expect(byPlatform.stdout).toContain("append exports/h.csv → meta (credentials from the worker's environment) audience id 123");
    // The real binary has the commands.
    const spawned = record(await spawnCli('schedules', 'list', '--json'));
    expect(spawned.code).toBe(0);
    expect((JSON.parse(spawned.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['Hourly', 'Nightly']);

    const inUse = record(await cli({}, 'destinations', 'remove', 'Sandbox TikTok'));
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/^error AU_DESTINATION_IN_USE: The destination "Sandbox TikTok" is used by the schedule "Nightly"/);

    const ran = record(await cli({}, 'schedules', 'run', 'Nightly'));
    expect(ran.code).toBe(0);
    const jobId = /queued job ([0-9a-f-]{36})/.exec(ran.stdout)?.[1];
    expect(jobId).toBeDefined();
    const list = record(await cli({}, 'schedules', 'list'));
    expect(list.stdout).toMatch(new RegExp(`Nightly  "0 3 \\* \\* \\*" Europe/Paris\\n.*last run .*: job ${jobId} queued`));

    expect(record(await cli({}, 'schedules', 'remove', 'Nightly'))).toMatchObject({ code: 0, stdout: 'removed schedule "Nightly"\n' });
    // Its queued job still holds the destination; cancelled, the destination can go.
    expect((await cli({}, 'destinations', 'remove', 'Sandbox TikTok')).stderr).toMatch(/AU_DESTINATION_IN_USE: .*unfinished jobs \(/);
    expect((await cli({}, 'jobs', 'cancel', jobId!)).code).toBe(0);
    expect(record(await cli({}, 'destinations', 'remove', 'Sandbox TikTok'))).toMatchObject({ code: 0, stdout: `removed "Sandbox TikTok" (TikTok Ads, account ${SANDBOX_CREDENTIALS.tiktok.advertiserId})\n` });

    // No command printed a token; no file of the data folder (the embedded database included) holds one in clear.
    for (const output of outputs) {
      expect(output).not.toContain(SANDBOX_CREDENTIALS.tiktok.accessToken);
      expect(output).not.toContain(WRONG_TOKEN);
    }
    for (const file of filesBelow(root)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(SANDBOX_CREDENTIALS.tiktok.accessToken), file).toBe(false);
      expect(bytes.includes(WRONG_TOKEN), file).toBe(false);
    }
  });
});
