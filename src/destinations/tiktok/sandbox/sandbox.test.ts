import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TIKTOK_API_PREFIX } from './routes.js';
import { createTiktokSandbox } from './index.js';
import {
  ADVERTISER,
  OTHER_ADVERTISER,
  OTHER_TOKEN,
  TOKEN,
  TestClient,
  md5,
  syntheticHashes,
} from './test-client.js';

const STILL_PROCESSING = 'Custom audience is still processing. Please try again later.';
const BELOW_MINIMUM = 'The audience size after the update would be less than 1000.';

let client: TestClient;
async function start(options: Parameters<typeof TestClient.start>[0] = {}): Promise<TestClient> {
  client = await TestClient.start(options);
  return client;
}
afterEach(async () => {
  await client?.close();
});

describe('auth and paths', () => {
  it('answers a missing token with 40104 and an unknown one with 40105, as HTTP 200 envelopes', async () => {
    const tiktok = await start();
    const missing = await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER }, null);
    expect(missing).toMatchObject({
      httpStatus: 200,
      code: 40104,
      message: 'Access token is null, you should set it in http header with key Access-Token.',
      data: {},
    });
    expect(missing.request_id).toMatch(/^\d{14}[0-9A-F]{18}$/);
    const unknown = await tiktok.post('dmp/custom_audience/create/', {}, 'not-a-token');
    expect(unknown).toMatchObject({ httpStatus: 200, code: 40105, message: 'Access token is invalid', data: {} });
  });

  it('refuses a Bearer-prefixed token: the header carries the bare token', async () => {
    const tiktok = await start();
    const answer = await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER }, `Bearer ${TOKEN}`);
    expect(answer.code).toBe(40105);
  });

  it("answers 40001 for an advertiser the token may not use, on JSON and multipart routes", async () => {
    const tiktok = await start();
    expect((await tiktok.get('dmp/custom_audience/list/', { advertiser_id: OTHER_ADVERTISER })).code).toBe(40001);
    const upload = await tiktok.upload({ content: `${syntheticHashes('a', 1)[0]}\n`, advertiserId: OTHER_ADVERTISER });
    expect(upload.code).toBe(40001);
  });

  it('serves only the exact paths: without the trailing slash it is HTTP 404', async () => {
    const tiktok = await start();
    const response = await tiktok.app.inject({
      method: 'POST',
      url: `${TIKTOK_API_PREFIX}dmp/custom_audience/create`,
      headers: { 'access-token': TOKEN, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(404);
    const list = await tiktok.app.inject({
      method: 'GET',
      url: `${TIKTOK_API_PREFIX}dmp/custom_audience/list?advertiser_id=${ADVERTISER}`,
      headers: { 'access-token': TOKEN },
    });
    expect(list.statusCode).toBe(404);
  });
});

describe('file upload', () => {
  it('accepts a headerless file, tolerating CRLF and a final newline, and returns a file path', async () => {
    const tiktok = await start();
    const hashes = syntheticHashes('upload', 3);
    const uploaded = await tiktok.upload({ content: `${hashes.join('\r\n')}\r\n` });
    expect(uploaded).toMatchObject({ httpStatus: 200, code: 0, message: 'OK' });
    expect(uploaded.data.file_path).toMatch(/^custom_audience\/[0-9a-f]{32}$/);
    const second = await tiktok.upload({ content: hashes.join('\n') });
    expect(second.data.file_path).not.toBe(uploaded.data.file_path);
  });

  it('answers 40900 when file_signature is not the MD5 of the bytes, and 40002 when it is missing', async () => {
    const tiktok = await start();
    const content = `${syntheticHashes('sig', 2).join('\n')}\n`;
    expect((await tiktok.upload({ content, signature: md5('something else') })).code).toBe(40900);
    expect((await tiktok.upload({ content, signature: md5(content).toUpperCase() })).code).toBe(40900);
    const missing = await tiktok.upload({ content, signature: null });
    expect(missing).toMatchObject({ code: 40002 });
    expect(missing.message).toContain('file_signature');
  });

  it('answers 40906 for an empty file and 40907 for one over the size limit', async () => {
    const tiktok = await start({ maxFileBytes: 1000 });
    expect((await tiktok.upload({ content: '' })).code).toBe(40906);
    const fifteenLines = `${syntheticHashes('big', 15).join('\n')}\n`; // 975 bytes: under the limit
    expect((await tiktok.upload({ content: fifteenLines })).code).toBe(0);
    const sixteenLines = `${syntheticHashes('big', 16).join('\n')}\n`; // 1040 bytes
    expect((await tiktok.upload({ content: sixteenLines })).code).toBe(40907);
  });

  it('answers 40909 for an unsupported calculate_type and accepts the MD5 variants', async () => {
    const tiktok = await start();
    const content = `${syntheticHashes('type', 2).join('\n')}\n`;
    const unsupported = await tiktok.upload({ content, calculateType: 'EMAIL' });
    expect(unsupported.code).toBe(40909);
    expect(unsupported.message).toContain('EMAIL');
    expect((await tiktok.upload({ content: `${md5('synthetic:md5:0')}\n`, calculateType: 'EMAIL_MD5' })).code).toBe(0);
  });

  it('answers 40002 naming the line of a value that is not 64 lower-case hex', async () => {
    const tiktok = await start();
    const [first = '', second = '', third = ''] = syntheticHashes('lines', 3);
    for (const bad of [second.toUpperCase(), second.slice(1), 'not-a-hash', '', `${second} `]) {
      const answer = await tiktok.upload({ content: `${first}\n${bad}\n${third}\n`, calculateType: 'PHONE_SHA256' });
      expect(answer.code).toBe(40002);
      expect(answer.message).toContain('line 2');
    }
  });
});

describe('MULTIPLE_TYPES files', () => {
  const [email = '', phone = '', maidA = '', maidB = ''] = syntheticHashes('multi', 4);

  it('keys each line by its non-empty NAME=value pairs, sorted', async () => {
    const tiktok = await start();
    const lines = [
      'PHONE_SHA256,EMAIL_SHA256,MAID_SHA256,MAID_SHA256',
      `${phone},${email},,`,
      `,${email},${maidB},${maidA}`,
      `,,${maidA},`,
    ];
    const audienceId = await tiktok.createFrom(lines, 'multi', 'MULTIPLE_TYPES');
    const maids = [`MAID_SHA256=${maidA}`, `MAID_SHA256=${maidB}`].sort();
    expect(tiktok.sandbox.members(audienceId)).toEqual(
      [
        `EMAIL_SHA256=${email}|PHONE_SHA256=${phone}`,
        [`EMAIL_SHA256=${email}`, ...maids].join('|'),
        `MAID_SHA256=${maidA}`,
      ].sort(),
    );
  });

  it('refuses unknown columns, a column four times, ragged rows, empty rows and bad values with 40002', async () => {
    const tiktok = await start();
    const refusals: [string[], string][] = [
      [['EMAIL_SHA256,MADID', `${email},${maidA}`], 'MADID'],
      [['MAID_SHA256,MAID_SHA256,MAID_SHA256,MAID_SHA256', `${maidA},,,`], 'MAID_SHA256'],
      [['EMAIL_SHA256,PHONE_SHA256', `${email},${phone}`, `${email}`], 'line 3'],
      [['EMAIL_SHA256,PHONE_SHA256', `${email},${phone}`, ','], 'line 3'],
      [['EMAIL_SHA256,PHONE_SHA256', `${email.toUpperCase()},${phone}`], 'line 2'],
    ];
    for (const [lines, named] of refusals) {
      const answer = await tiktok.upload({ content: `${lines.join('\n')}\n`, calculateType: 'MULTIPLE_TYPES' });
      expect(answer.code, lines.join(' / ')).toBe(40002);
      expect(answer.message).toContain(named);
    }
  });
});

describe('create', () => {
  it('refuses bad names, file path counts, retention, calculate_type mismatches and malformed JSON with 40002', async () => {
    const tiktok = await start();
    const path = await tiktok.uploadLines(syntheticHashes('create', 5));
    const base = { advertiser_id: ADVERTISER, custom_audience_name: 'ok', file_paths: [path], calculate_type: 'EMAIL_SHA256' };
    const refusals: [Record<string, unknown>, string][] = [
      [{ ...base, custom_audience_name: '' }, 'custom_audience_name'],
      [{ ...base, custom_audience_name: 'x'.repeat(129) }, 'custom_audience_name'],
      [{ ...base, custom_audience_name: undefined }, 'custom_audience_name'],
      [{ ...base, advertiser_id: undefined }, 'advertiser_id'],
      [{ ...base, file_paths: [] }, 'file_paths'],
      [{ ...base, file_paths: Array.from({ length: 50 }, () => path) }, 'file_paths'],
      [{ ...base, file_paths: path }, 'file_paths'],
      [{ ...base, retention_in_days: 0 }, 'retention_in_days'],
      [{ ...base, retention_in_days: 366 }, 'retention_in_days'],
      [{ ...base, calculate_type: 'PHONE_SHA256' }, 'calculate_type'],
    ];
    for (const [body, field] of refusals) {
      const answer = await tiktok.post('dmp/custom_audience/create/', body);
      expect(answer.code, field).toBe(40002);
      expect(answer.message).toContain(field);
    }
    expect((await tiktok.post('dmp/custom_audience/create/', '{"advertiser_id":')).code).toBe(40002);
    const longest = { ...base, custom_audience_name: 'x'.repeat(128), retention_in_days: 365 };
    expect((await tiktok.post('dmp/custom_audience/create/', longest)).code).toBe(0);
    expect(tiktok.sandbox.audiences()).toHaveLength(1);
  });

  it("answers 40007 for unknown file paths and other advertisers' paths, 40910 for expired ones", async () => {
    const tiktok = await start({ fileTtlMs: 40 });
    expect((await tiktok.create(['custom_audience/0123456789abcdef0123456789abcdef'])).code).toBe(40007);
    const foreign = await tiktok.uploadLines(syntheticHashes('foreign', 3), 'EMAIL_SHA256', OTHER_ADVERTISER);
    expect((await tiktok.create([foreign])).code).toBe(40007);
    const path = await tiktok.uploadLines(syntheticHashes('ttl', 3));
    await sleep(60);
    const expired = await tiktok.create([path]);
    expect(expired.code).toBe(40910);
    expect(expired.message).toContain(path);
  });

  it('creates audiences with duplicate names, below 1,000 members too, from the union of the files', async () => {
    const tiktok = await start();
    const hashes = syntheticHashes('union', 12);
    const first = await tiktok.uploadLines(hashes.slice(0, 8));
    const second = await tiktok.uploadLines(hashes.slice(4));
    const a = await tiktok.create([first, second], 'same name');
    const b = await tiktok.create([first], 'same name');
    expect(a.code).toBe(0);
    expect(a.data.custom_audience_id).toMatch(/^\d+$/);
    expect(b.data.custom_audience_id).not.toBe(a.data.custom_audience_id);
    expect(tiktok.sandbox.members(a.data.custom_audience_id as string)).toEqual([...hashes].sort());
    expect(tiktok.sandbox.audiences()).toEqual([
      { id: a.data.custom_audience_id, name: 'same name', account: ADVERTISER, size: 12 },
      { id: b.data.custom_audience_id, name: 'same name', account: ADVERTISER, size: 8 },
    ]);
  });
});

describe('update', () => {
  const base = syntheticHashes('base', 1200);
  const extra = syntheticHashes('extra', 300);

  it('applies APPEND, REMOVE and REPLACE with exact membership', async () => {
    const tiktok = await start();
    const audienceId = await tiktok.createFrom(base);
    const extraPath = await tiktok.uploadLines(extra);
    expect(await tiktok.update(audienceId, [extraPath], 'APPEND')).toMatchObject({ code: 0, data: { custom_audience_id: audienceId } });
    expect(tiktok.sandbox.members(audienceId)).toEqual([...base, ...extra].sort());

    const removePath = await tiktok.uploadLines([...base.slice(0, 100), ...syntheticHashes('never-added', 5)]);
    expect((await tiktok.update(audienceId, [removePath], 'REMOVE')).code).toBe(0);
    expect(tiktok.sandbox.members(audienceId)).toEqual([...base.slice(100), ...extra].sort());

    const replacement = syntheticHashes('replacement', 1000);
    const halves = [await tiktok.uploadLines(replacement.slice(0, 600)), await tiktok.uploadLines(replacement.slice(500))];
    expect((await tiktok.update(audienceId, halves, 'REPLACE')).code).toBe(0);
    expect(tiktok.sandbox.members(audienceId)).toEqual([...replacement].sort());

    // No action means REPLACE.
    const again = await tiktok.uploadLines(base);
    expect((await tiktok.update(audienceId, [again])).code).toBe(0);
    expect(tiktok.sandbox.members(audienceId)).toEqual([...base].sort());
    expect(tiktok.sandbox.stats().appliedTwice).toEqual([]);
    const operations = tiktok.sandbox.stats().applied.map((batch) => batch.operation);
    expect(operations).toEqual(['CREATE', 'APPEND', 'REMOVE', 'REPLACE', 'REPLACE', 'REPLACE']);
  });

  it('refuses an update that would leave fewer than 1,000 members, changing nothing', async () => {
    const tiktok = await start();
    const audienceId = await tiktok.createFrom(base.slice(0, 1000));
    const removeOne = await tiktok.uploadLines(base.slice(0, 1));
    expect(await tiktok.update(audienceId, [removeOne], 'REMOVE')).toMatchObject({ code: 40002, message: BELOW_MINIMUM, data: {} });
    const small = await tiktok.uploadLines(extra.slice(0, 999));
    expect(await tiktok.update(audienceId, [small], 'REPLACE')).toMatchObject({ code: 40002, message: BELOW_MINIMUM });
    expect(tiktok.sandbox.members(audienceId)).toEqual(base.slice(0, 1000).sort());

    const tiny = await tiktok.createFrom(extra.slice(0, 10), 'tiny');
    const ten = await tiktok.uploadLines(extra.slice(10, 20));
    expect((await tiktok.update(tiny, [ten], 'APPEND')).message).toBe(BELOW_MINIMUM);
    expect(tiktok.sandbox.stats().applied).toHaveLength(2);
  });

  it("answers 40007 for unknown and other advertisers' audiences, 40002 for a calculate_type mismatch or bad action", async () => {
    const tiktok = await start();
    const audienceId = await tiktok.createFrom(base);
    const path = await tiktok.uploadLines(extra);
    expect((await tiktok.update('7199999999999999999', [path])).code).toBe(40007);
    const foreign = await tiktok.post('dmp/custom_audience/create/', {
      advertiser_id: OTHER_ADVERTISER,
      custom_audience_name: 'theirs',
      file_paths: [await tiktok.uploadLines(base, 'EMAIL_SHA256', OTHER_ADVERTISER)],
      calculate_type: 'EMAIL_SHA256',
    }, OTHER_TOKEN);
    expect((await tiktok.update(foreign.data.custom_audience_id as string, [path])).code).toBe(40007);
    const phones = await tiktok.uploadLines(extra, 'PHONE_SHA256');
    const mismatch = await tiktok.update(audienceId, [phones], 'APPEND');
    expect(mismatch.code).toBe(40002);
    expect(mismatch.message).toContain('calculate_type');
    const badAction = await tiktok.update(audienceId, [path], 'ADD');
    expect(badAction.code).toBe(40002);
    expect(badAction.message).toContain('action');
    expect(tiktok.sandbox.members(audienceId)).toEqual([...base].sort());
  });

  it('refuses updates while the audience is processing, and reports it not valid meanwhile', async () => {
    const tiktok = await start({ processingMs: 80 });
    const audienceId = await tiktok.createFrom(base);
    const path = await tiktok.uploadLines(extra);
    expect(await tiktok.update(audienceId, [path], 'APPEND')).toMatchObject({ code: 40002, message: STILL_PROCESSING });
    const listed = await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER });
    expect(listed.data.list).toMatchObject([{ audience_id: audienceId, is_valid: false, cover_num: 1200 }]);
    await sleep(100);
    expect((await tiktok.update(audienceId, [path], 'APPEND')).code).toBe(0);
    // The update starts a new processing period.
    expect((await tiktok.update(audienceId, [path], 'REMOVE')).message).toBe(STILL_PROCESSING);
    await sleep(100);
    const after = await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER });
    expect(after.data.list).toMatchObject([{ is_valid: true, cover_num: 1500 }]);
  });

  it('ignores the same file path and action applied again (TikTok file-path idempotency), counting the replay', async () => {
    const tiktok = await start();
    const audienceId = await tiktok.createFrom(base);
    const path = await tiktok.uploadLines(extra);
    expect((await tiktok.update(audienceId, [path], 'APPEND')).code).toBe(0);
    const before = tiktok.sandbox.members(audienceId);
    expect((await tiktok.update(audienceId, [path], 'APPEND')).code).toBe(0);
    const stats = tiktok.sandbox.stats();
    expect(stats.appliedTwice).toEqual([]);
    expect(stats.replaysIgnored).toBe(1);
    expect(stats.applied.filter((batch) => batch.key === `${path}:APPEND`)).toHaveLength(1);
    expect(tiktok.sandbox.members(audienceId)).toEqual(before);
    // Same file with another action is another key, and takes effect.
    expect((await tiktok.update(audienceId, [path], 'REMOVE')).code).toBe(0);
    expect(tiktok.sandbox.members(audienceId)!.length).toBe(before!.length - 300);
  });
});

describe('list, get and delete', () => {
  it('pages through audiences in creation order, reading every page', async () => {
    const tiktok = await start();
    const path = await tiktok.uploadLines(syntheticHashes('list', 3));
    const names = ['one', 'two', 'three', 'four', 'five'];
    for (const name of names) expect((await tiktok.create([path], name)).code).toBe(0);

    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const answer = await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER, page: String(page), page_size: '2' });
      expect(answer.code).toBe(0);
      expect(answer.data.page_info).toEqual({ page, page_size: 2, total_number: 5, total_page: 3 });
      seen.push(...(answer.data.list as { name: string }[]).map((item) => item.name));
    }
    expect(seen).toEqual(names);

    const first = await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER });
    expect(first.data.page_info).toEqual({ page: 1, page_size: 10, total_number: 5, total_page: 1 });
    const [item] = first.data.list as Record<string, unknown>[];
    expect(item).toEqual({
      audience_id: expect.stringMatching(/^\d+$/),
      name: 'one',
      calculate_type: 'EMAIL_SHA256',
      cover_num: 3,
      is_valid: false,
      is_expired: false,
      create_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    });

    const filtered = await tiktok.get('dmp/custom_audience/list/', {
      advertiser_id: ADVERTISER,
      custom_audience_ids: JSON.stringify([item?.audience_id]),
    });
    expect(filtered.data.list).toEqual([item]);
  });

  it('refuses page sizes outside 1-100 and malformed pages or id lists with 40002', async () => {
    const tiktok = await start();
    const refused: Record<string, string>[] = [
      { page_size: '0' },
      { page_size: '101' },
      { page: '0' },
      { page: 'two' },
      { custom_audience_ids: '[1' },
      { custom_audience_ids: '[123]' },
    ];
    for (const query of refused) {
      const answer = await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER, ...query });
      expect(answer.code, JSON.stringify(query)).toBe(40002);
      expect(answer.message).toContain(Object.keys(query)[0]);
    }
    expect((await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER, page_size: '100' })).code).toBe(0);
  });

  it('gets audiences by id and answers 40007 for unknown or foreign ones', async () => {
    const tiktok = await start();
    const a = await tiktok.createFrom(syntheticHashes('get-a', 4), 'a');
    const b = await tiktok.createFrom(syntheticHashes('get-b', 6), 'b');
    const got = await tiktok.get('dmp/custom_audience/get/', { advertiser_id: ADVERTISER, custom_audience_ids: JSON.stringify([b, a]) });
    expect(got.code).toBe(0);
    expect(got.data.list).toMatchObject([
      { audience_details: { audience_id: b, name: 'b', cover_num: 6 } },
      { audience_details: { audience_id: a, name: 'a', cover_num: 4 } },
    ]);
    const unknown = { advertiser_id: ADVERTISER, custom_audience_ids: '["7199999999999999999"]' };
    expect((await tiktok.get('dmp/custom_audience/get/', unknown)).code).toBe(40007);
    const foreign = { advertiser_id: OTHER_ADVERTISER, custom_audience_ids: JSON.stringify([a]) };
    expect((await tiktok.get('dmp/custom_audience/get/', foreign, OTHER_TOKEN)).code).toBe(40007);
    expect((await tiktok.get('dmp/custom_audience/get/', { advertiser_id: ADVERTISER })).message).toContain('custom_audience_ids');
  });

  it('deletes audiences, all or nothing', async () => {
    const tiktok = await start();
    const a = await tiktok.createFrom(syntheticHashes('del-a', 2), 'a');
    const b = await tiktok.createFrom(syntheticHashes('del-b', 2), 'b');
    const refused = await tiktok.post('dmp/custom_audience/delete/', {
      advertiser_id: ADVERTISER,
      custom_audience_ids: [a, '7199999999999999999'],
    });
    expect(refused.code).toBe(40007);
    expect(tiktok.sandbox.audiences()).toHaveLength(2);
    const deleted = await tiktok.post('dmp/custom_audience/delete/', { advertiser_id: ADVERTISER, custom_audience_ids: [a] });
    expect(deleted).toMatchObject({ code: 0, data: {} });
    expect(tiktok.sandbox.audiences().map((audience) => audience.id)).toEqual([b]);
    expect(tiktok.sandbox.members(a)).toBeNull();
    const listed = await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER });
    expect((listed.data.list as { audience_id: string }[]).map((item) => item.audience_id)).toEqual([b]);
  });
});

describe('faults and bookkeeping', () => {
  it('answers rate limits with code 40100 and server errors with 50000, counting both', async () => {
    const tiktok = await start();
    tiktok.sandbox.faults.configure({ rateLimitRate: 1 });
    expect(await tiktok.get('dmp/custom_audience/list/', { advertiser_id: ADVERTISER })).toMatchObject({
      httpStatus: 200,
      code: 40100,
      message: 'Too many requests. Please retry in some time.',
      data: {},
    });
    tiktok.sandbox.faults.configure({ rateLimitRate: 0, serverErrorRate: 1 });
    expect(await tiktok.update('1', ['x'])).toMatchObject({ httpStatus: 200, code: 50000, message: 'System error' });
    const stats = tiktok.sandbox.stats();
    expect(stats.requests).toBe(2);
    expect(stats.faults).toMatchObject({ 'rate-limit': 1, 'server-error': 1 });
  });

  it('faults only TikTok routes', async () => {
    const sandbox = createTiktokSandbox({ accessTokens: { [TOKEN]: [ADVERTISER] } });
    const app = Fastify();
    app.get('/_other/health', async () => ({ ok: true }));
    await sandbox.register(app);
    sandbox.faults.configure({ serverErrorRate: 1 });
    expect((await app.inject({ method: 'GET', url: '/_other/health' })).json()).toEqual({ ok: true });
    expect(sandbox.stats().requests).toBe(0);
    await app.close();
  });

  it('drops the connection when told to: the client sees a connection error', async () => {
    const tiktok = await start();
    await tiktok.app.listen({ port: 0, host: '127.0.0.1' });
    const address = tiktok.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    tiktok.sandbox.faults.configure({ dropRate: 1 });
    const url = `http://127.0.0.1:${address.port}${TIKTOK_API_PREFIX}dmp/custom_audience/list/?advertiser_id=${ADVERTISER}`;
    await expect(fetch(url, { headers: { 'Access-Token': TOKEN } })).rejects.toThrow(TypeError);
    expect(tiktok.sandbox.faults.counts.drop).toBe(1);
  });

  it('does not apply a slow update whose client gave up', async () => {
    const tiktok = await start();
    const base = syntheticHashes('slow', 1000);
    const audienceId = await tiktok.createFrom(base);
    const path = await tiktok.uploadLines(syntheticHashes('slow-extra', 5));
    await tiktok.app.listen({ port: 0, host: '127.0.0.1' });
    const address = tiktok.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    tiktok.sandbox.faults.configure({ slowRate: 1, slowMs: 300 });
    const update = fetch(`http://127.0.0.1:${address.port}${TIKTOK_API_PREFIX}dmp/custom_audience/update/`, {
      method: 'POST',
      headers: { 'Access-Token': TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ advertiser_id: ADVERTISER, custom_audience_id: audienceId, file_paths: [path], action: 'APPEND' }),
      signal: AbortSignal.timeout(50),
    });
    await expect(update).rejects.toThrow();
    await sleep(350);
    expect(tiktok.sandbox.members(audienceId)).toEqual([...base].sort());
    expect(tiktok.sandbox.stats().applied.map((batch) => batch.operation)).toEqual(['CREATE']);
    expect(tiktok.sandbox.faults.counts.slow).toBe(1);
  });

  it('reset forgets audiences, files, statistics and fault switches', async () => {
    const tiktok = await start();
    const path = await tiktok.uploadLines(syntheticHashes('reset', 3));
    await tiktok.create([path]);
    tiktok.sandbox.faults.configure({ rateLimitRate: 1 });
    tiktok.sandbox.reset();
    expect(tiktok.sandbox.audiences()).toEqual([]);
    expect(tiktok.sandbox.stats()).toMatchObject({ requests: 0, applied: [], appliedTwice: [], replaysIgnored: 0 });
    expect(tiktok.sandbox.faults.current().rateLimitRate).toBe(0);
    expect((await tiktok.create([path])).code).toBe(40007);
  });
});
