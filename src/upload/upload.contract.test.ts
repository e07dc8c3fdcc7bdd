import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuError } from '../errors.js';
import { startSandbox, type SandboxFixture } from '../testing/sandbox-fixture.js';
import { metaEmailPhoneMembers, people, tiktokEmailMembers, writePeopleCsv, type Person } from '../testing/people-file.js';
import { runUpload, type UploadOptions } from './upload.js';

/**
 * Contract tests: the real connectors against the sandboxes, over HTTP, for every mode, asserting the exact
 * membership each platform ends up with and that no batch was applied twice.
 */
let sandbox: SandboxFixture;
let work: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  work = mkdtempSync(join(tmpdir(), 'au-upload-'));
});

afterAll(async () => {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

let fileCount = 0;
function csv(rows: readonly Person[], invalidRows = 0): string {
  const path = join(work, `input-${++fileCount}.csv`);
  writePeopleCsv(path, rows, invalidRows);
  return path;
}

const fast = { retryPolicy: { baseDelayMs: 5, maxDelayMs: 50 } };

function upload(dataDir: string, options: Partial<UploadOptions> & Pick<UploadOptions, 'inputs' | 'destination' | 'mappings'>) {
  return runUpload({ mode: 'append', dataDir, env: sandbox.env, defaultCountry: 'US', ...fast, ...options });
}

const setA = people(0, 1500);
const setB = people(1500, 2000);
const setC = people(0, 300);
const setD = people(5000, 6200);
const minus = (rows: readonly Person[], removed: readonly Person[]) => {
  const gone = new Set(removed.map((p) => p.email));
  return rows.filter((p) => !gone.has(p.email));
};

describe.each([
  { destination: 'tiktok', mappings: [{ column: 'email', type: 'EMAIL' as const }], expected: tiktokEmailMembers },
  {
    destination: 'meta',
    mappings: [
      { column: 'email', type: 'EMAIL' as const },
      { column: 'phone', type: 'PHONE' as const },
    ],
    expected: metaEmailPhoneMembers,
  },
])('$destination connector against its sandbox', ({ destination, mappings, expected }) => {
  const platform = destination as 'tiktok' | 'meta';
  let dataDir: string;
  let audienceId: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(work, `${destination}-`));
  });

  it('append to a new audience creates it with exactly the valid, deduplicated records', async () => {
    const summary = await upload(dataDir, { inputs: [csv([...setA, ...setA.slice(0, 100)], 7)], destination, mappings, audienceName: 'Contract audience' });
    expect(summary.accepted).toBe(true);
    expect(summary.audience.created).toBe(true);
    audienceId = summary.audience.id!;
    expect(sandbox.members(platform, audienceId)).toEqual(expected(setA));
    expect(summary.rows.duplicates).toBe(100);
    expect(summary.rows.withoutIdentifier).toBe(7);
    expect(summary.platform.received).toBe(setA.length);
    expect(summary.platform.invalid).toBe(0);
    // The hashed intermediates are gone once the platform has them.
    expect(readdirSync(summary.workDir)).not.toContain('out');
  });

  it('append by the same name reuses the audience it created', async () => {
    const summary = await upload(dataDir, { inputs: [csv(setB)], destination, mappings, audienceName: 'Contract audience' });
    expect(summary.audience).toMatchObject({ id: audienceId, created: false });
    expect(sandbox.members(platform, audienceId)).toEqual(expected([...setA, ...setB]));
  });

  it('remove deletes exactly the given records', async () => {
    const summary = await upload(dataDir, { inputs: [csv(setC)], destination, mappings, audienceId, mode: 'remove' });
    expect(summary.accepted).toBe(true);
    expect(sandbox.members(platform, audienceId)).toEqual(expected(minus([...setA, ...setB], setC)));
  });

  it('replace leaves exactly the new list', async () => {
    const summary = await upload(dataDir, { inputs: [csv(setD)], destination, mappings, audienceId, mode: 'replace' });
    expect(summary.accepted).toBe(true);
    expect(sandbox.members(platform, audienceId)).toEqual(expected(setD));
  });

  it('applied no batch twice', () => {
    const stats = sandbox.stats(platform);
    expect(stats.appliedTwice).toEqual([]);
    expect(stats.applied.filter((batch) => batch.audienceId === audienceId).length).toBeGreaterThanOrEqual(4);
  });

  it('an audience id that does not exist, or belongs to another account, is a clear error', async () => {
    const error = (await upload(dataDir, { inputs: [csv(setB)], destination, mappings, audienceId: '999999999' }).catch((e: unknown) => e)) as AuError;
    expect(error).toBeInstanceOf(AuError);
    expect(error.code).toBe('AU_AUDIENCE_NOT_FOUND');
    expect(error.message).toContain('999999999');
  });

  it('wrong credentials stop before anything is sent and name the variable to fix', async () => {
    const before = sandbox.stats(platform).applied.length;
    const variable = platform === 'tiktok' ? 'AU_TIKTOK_ACCESS_TOKEN' : 'AU_META_ACCESS_TOKEN';
    const error = (await runUpload({
      inputs: [csv(setB)],
      destination,
      mappings,
      audienceName: 'Never created',
      mode: 'append',
      dataDir,
      defaultCountry: 'US',
      env: { ...sandbox.env, [variable]: 'wrong-token' },
      ...fast,
    }).catch((e: unknown) => e)) as AuError;
    expect(error.code).toBe('AU_AUTH_FAILED');
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('wrong-token');
    expect(sandbox.stats(platform).applied.length).toBe(before);
  });

  it('a name over the platform limit is refused before any request', async () => {
    const error = (await upload(dataDir, { inputs: [csv(setB)], destination, mappings, audienceName: 'x'.repeat(300) }).catch((e: unknown) => e)) as AuError;
    expect(error.code).toBe('AU_AUDIENCE_INVALID');
    expect(error.message).toMatch(/at most \d+/);
  });

  it('--dry-run sends nothing and writes the exact requests, without the token', async () => {
    const requestsBefore = sandbox.stats(platform).requests;
    const summary = await upload(dataDir, { inputs: [csv(setA)], destination, mappings, audienceName: 'Dry run audience', dryRun: true });
    expect(sandbox.stats(platform).requests).toBe(requestsBefore);
    const dir = join(summary.workDir, 'requests');
    const files = readdirSync(dir).sort();
    expect(files.length).toBe(summary.requestsWritten);
    const texts = files.map((file) => readFileSync(join(dir, file), 'utf8'));
    for (const text of texts) expect(text).not.toContain(sandbox.env[platform === 'tiktok' ? 'AU_TIKTOK_ACCESS_TOKEN' : 'AU_META_ACCESS_TOKEN']!);
    const requests = texts.map((text) => JSON.parse(text) as { method: string; url: string; body?: Record<string, unknown> });
    if (platform === 'tiktok') {
      // The list before the create is how a create whose answer was lost is recognized on retry.
      expect(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
        'POST /open_api/v1.3/dmp/custom_audience/file/upload/',
        'GET /open_api/v1.3/dmp/custom_audience/list/',
        'POST /open_api/v1.3/dmp/custom_audience/create/',
      ]);
      expect(requests[0]!.body).toMatchObject({ calculate_type: 'EMAIL_SHA256', file: { file: 'out/EMAIL_SHA256-00001.csv' } });
    } else {
      expect(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
        'GET /v25.0/act_1000000000000001/customaudiences',
        'POST /v25.0/act_1000000000000001/customaudiences',
        'POST /v25.0/dry-run-audience/users',
      ]);
      const payload = requests[2]!.body!.payload as { schema: string[]; data: string[][] };
      expect(payload.schema).toEqual(['EMAIL', 'PHONE']);
      expect(payload.data.length).toBe(setA.length);
    }
  });
});

describe('platform rules', () => {
  it('TikTok: an audience under 1,000 members is refused with a clear message, not a platform error', async () => {
    const dataDir = mkdtempSync(join(work, 'small-'));
    const error = (await upload(dataDir, { inputs: [csv(people(0, 999))], destination: 'tiktok', mappings: [{ column: 'email', type: 'EMAIL' }], audienceName: 'Too small' }).catch((e: unknown) => e)) as AuError;
    expect(error.code).toBe('AU_AUDIENCE_TOO_SMALL');
    expect(error.message).toMatch(/at least 1,000 members.*999 valid records/);
  });

  it('a name shared by several audiences is an error that lists their ids', async () => {
    // TikTok allows duplicate names: make two audiences named "Twins" straight through the API.
    const hashes = tiktokEmailMembers(people(0, 1000));
    const text = `${hashes.join('\n')}\n`;
    const headers = { 'Access-Token': sandbox.env.AU_TIKTOK_ACCESS_TOKEN! };
    const advertiser_id = sandbox.env.AU_TIKTOK_ADVERTISER_ID!;
    const form = new FormData();
    form.set('advertiser_id', advertiser_id);
    form.set('calculate_type', 'EMAIL_SHA256');
    form.set('file_signature', createHash('md5').update(text).digest('hex'));
    form.set('file', new Blob([text]), 'twins.csv');
    const api = `${sandbox.baseUrl}/open_api/v1.3/dmp/custom_audience`;
    const uploaded = (await (await fetch(`${api}/file/upload/`, { method: 'POST', headers, body: form })).json()) as { data: { file_path: string } };
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await fetch(`${api}/create/`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ advertiser_id, custom_audience_name: 'Twins', file_paths: [uploaded.data.file_path], calculate_type: 'EMAIL_SHA256' }),
      });
      ids.push(((await created.json()) as { data: { custom_audience_id: string } }).data.custom_audience_id);
    }
    const dataDir = mkdtempSync(join(work, 'ambiguous-'));
    const error = (await upload(dataDir, { inputs: [csv(people(0, 1000))], destination: 'tiktok', mappings: [{ column: 'email', type: 'EMAIL' }], audienceName: 'Twins' }).catch((e: unknown) => e)) as AuError;
    expect(error.code).toBe('AU_AUDIENCE_AMBIGUOUS');
    for (const id of ids) expect(error.message).toContain(id);
  });

  it('Meta: an EXTERN_ID that is a SHA-256 digest is dropped before sending, so its row still goes with its email', async () => {
    // Meta refuses a whole row whose unhashed key looks hashed; every tenth id here is a digest.
    const path = join(work, 'extern-ids.csv');
    const lines = Array.from({ length: 200 }, (_, i) => {
      const id = i % 10 === 0 ? createHash('sha256').update(`customer ${i}`).digest('hex') : `CUST-${i}`;
      return `person${i}@example.test,${id}`;
    });
    writeFileSync(path, `email,extern_id\n${lines.join('\n')}\n`);
    const dataDir = mkdtempSync(join(work, 'extern-'));
    const summary = await upload(dataDir, {
      inputs: [path],
      destination: 'meta',
      mappings: [
        { column: 'email', type: 'EMAIL' },
        { column: 'extern_id', type: 'EXTERN_ID' },
      ],
      audienceName: 'External ids',
    });
    expect(summary.invalidByReason).toEqual({ extern_id_hashed: 20 });
    expect(summary.platform).toMatchObject({ received: 200, invalid: 0 });
    expect(summary.accepted).toBe(true);
    expect(sandbox.members('meta', summary.audience.id!)).toHaveLength(200);
  });
});
