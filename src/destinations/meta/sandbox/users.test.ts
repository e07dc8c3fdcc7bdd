import { afterEach, describe, expect, it } from 'vitest';
import {
  FOREIGN_TOKEN,
  VERSION,
  TOKEN,
  createAudience,
  graph,
  graphError,
  graphForm,
  startSandbox,
  syntheticHash,
  syntheticHashes,
  type TestSandbox,
} from './test-kit.js';

const emailKeys = (hashes: string[]) => hashes.map((hash) => `EMAIL=${hash}`).sort();

describe('Meta sandbox: add and remove users', () => {
  let sandbox: TestSandbox;
  afterEach(() => sandbox.app.close());

  it('adds and removes exactly the given people (multi-key rows)', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    const emails = syntheticHashes('email', 4);
    const phones = syntheticHashes('phone', 4);
    const rows = emails.map((email, index) => [email, index % 2 === 0 ? (phones[index] as string) : '']);
    const added = await graph(sandbox.app, 'POST', `${id}/users`, { payload: { schema: ['EMAIL', 'PHONE'], data: rows } });
    expect(added.statusCode).toBe(200);
    expect(added.json()).toEqual({
      audience_id: id,
      session_id: expect.stringMatching(/^\d+$/),
      num_received: 4,
      num_invalid_entries: 0,
      invalid_entry_samples: {},
    });
    const keyOf = ([email, phone]: string[]) => (phone ? `EMAIL=${email}|PHONE=${phone}` : `EMAIL=${email}`);
    expect(sandbox.sandbox.members(id)).toEqual(rows.map(keyOf).sort());

    const removed = await graph(sandbox.app, 'DELETE', `${id}/users`, {
      payload: { schema: ['EMAIL', 'PHONE'], data: rows.slice(0, 2) },
    });
    expect(removed.json()).toMatchObject({ num_received: 2, num_invalid_entries: 0 });
    expect(sandbox.sandbox.members(id)).toEqual(rows.slice(2).map(keyOf).sort());
    expect(sandbox.sandbox.stats().applied.map(({ operation, rows: count }) => [operation, count])).toEqual([
      ['add', 4],
      ['remove', 2],
    ]);
  });

  it('skips and samples invalid rows while the valid rows of the batch apply', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    const good = syntheticHashes('good', 3);
    const data = [good[0], 'raw-value@example.test', good[1], '', (good[2] as string).toUpperCase(), good[2]];
    const response = await graph(sandbox.app, 'POST', `${id}/users`, { payload: { schema: 'EMAIL_SHA256', data } });
    expect(response.json()).toMatchObject({
      num_received: 6,
      num_invalid_entries: 3,
      invalid_entry_samples: {
        'raw-value@example.test': 'EMAIL is not a SHA-256 hex digest (hash the normalized value)',
        '3': 'row has no values',
        [(good[2] as string).toUpperCase()]: 'EMAIL must be lower-case hex',
      },
    });
    expect(sandbox.sandbox.members(id)).toEqual(emailKeys(good));
  });

  it('refuses 10,001 rows and a row of the wrong length, applying nothing', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    const tooMany = await graph(sandbox.app, 'POST', `${id}/users`, {
      payload: { schema: 'EMAIL_SHA256', data: syntheticHashes('many', 10_001) },
    });
    expect(graphError(tooMany)).toEqual({
      status: 400,
      code: 100,
      message: '(#100) Too many users in the payload, maximum is 10000',
    });
    const hashes = syntheticHashes('len', 3);
    const mismatch = await graph(sandbox.app, 'POST', `${id}/users`, {
      payload: { schema: ['EMAIL', 'PHONE'], data: [[hashes[0], hashes[1]], [hashes[2]]] },
    });
    expect(graphError(mismatch)).toEqual({
      status: 400,
      code: 100,
      message: '(#100) Row 1 has 1 values but the schema has 2 keys',
    });
    const unknownKey = await graph(sandbox.app, 'POST', `${id}/users`, { payload: { schema: ['EMAIL', 'SSN'], data: [] } });
    expect(graphError(unknownKey)).toMatchObject({ code: 100 });
    expect(sandbox.sandbox.members(id)).toEqual([]);
    expect(sandbox.sandbox.stats().applied).toEqual([]);
  });

  it('accepts a full 10,000-row batch', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    const hashes = syntheticHashes('full', 10_000);
    const response = await graph(sandbox.app, 'POST', `${id}/users`, { payload: { schema: 'EMAIL_SHA256', data: hashes } });
    expect(response.json()).toMatchObject({ num_received: 10_000, num_invalid_entries: 0 });
    expect(sandbox.sandbox.audiences()[0]?.size).toBe(10_000);
  });

  it('ignores a replayed (session_id, batch_seq) and answers it as the first time', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    const session = { session_id: 4242, batch_seq: 1, last_batch_flag: true, estimated_num_total: 2 };
    const first = await graph(sandbox.app, 'POST', `${id}/users`, {
      payload: { schema: 'EMAIL_SHA256', data: syntheticHashes('replay', 2) },
      session,
    });
    await graph(sandbox.app, 'DELETE', `${id}/users`, {
      payload: { schema: 'EMAIL_SHA256', data: syntheticHashes('replay', 1) },
      session: { session_id: 5000, batch_seq: 1 },
    });
    const before = sandbox.sandbox.members(id);
    const replay = await graph(sandbox.app, 'POST', `${id}/users`, {
      payload: { schema: 'EMAIL_SHA256', data: syntheticHashes('replay', 2) },
      session,
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(first.json());
    expect(first.json().session_id).toBe('4242');
    expect(sandbox.sandbox.members(id)).toEqual(before);
    const stats = sandbox.sandbox.stats();
    expect(stats.replaysIgnored).toBe(1);
    expect(stats.appliedTwice).toEqual([]);
    expect(stats.applied.map(({ key, operation }) => [key, operation])).toEqual([
      ['4242:1', 'add'],
      ['5000:1', 'remove'],
    ]);
  });

  it('reads payload and session as JSON strings in a form body, including DELETE', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    const hashes = syntheticHashes('form', 3);
    const added = await graphForm(sandbox.app, 'POST', `${id}/users`, {
      payload: { schema: ['EMAIL'], data: hashes.map((hash) => [hash]) },
      // Written as JSON text: 2^53 + 1 is not a JS number, and the sandbox must not round it into another session.
      session: '{"session_id":9007199254740993,"batch_seq":1,"last_batch_flag":true}',
    });
    expect(added.json()).toMatchObject({ session_id: '9007199254740993', num_received: 3 });
    const removed = await graphForm(sandbox.app, 'DELETE', `${id}/users`, { payload: { schema: 'EMAIL_SHA256', data: [hashes[0]] } });
    expect(removed.statusCode).toBe(200);
    expect(sandbox.sandbox.members(id)).toEqual(emailKeys(hashes.slice(1)));
  });

  it('reads payload as a JSON string inside a JSON body and parameters from the query string', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    const hash = syntheticHash('query');
    const response = await sandbox.app.inject({
      method: 'POST',
      url: `/${VERSION}/${id}/users`,
      query: { access_token: TOKEN },
      payload: { payload: JSON.stringify({ schema: 'EMAIL_SHA256', data: [hash] }) },
    });
    expect(response.json()).toMatchObject({ num_received: 1 });
    const viaQuery = await sandbox.app.inject({
      method: 'DELETE',
      url: `/${VERSION}/${id}/users`,
      query: { access_token: TOKEN, payload: JSON.stringify({ schema: 'EMAIL_SHA256', data: [hash] }) },
    });
    expect(viaQuery.statusCode).toBe(200);
    expect(sandbox.sandbox.members(id)).toEqual([]);
    const rawJson = await sandbox.app.inject({
      method: 'POST',
      url: `/${VERSION}/${id}/users`,
      headers: { 'content-type': 'application/json' },
      payload: `{"access_token":"${TOKEN}","payload":{"schema":"EMAIL_SHA256","data":["${hash}"]},"session":{"session_id":9223372036854775807,"batch_seq":1}}`,
    });
    expect(rawJson.json()).toMatchObject({ session_id: '9223372036854775807', num_received: 1 });
  });

  it('refuses missing or malformed parameters and other accounts', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    const missing = await graph(sandbox.app, 'POST', `${id}/users`, {});
    expect(graphError(missing)).toEqual({ status: 400, code: 100, message: '(#100) The parameter payload is required' });
    const badJson = await graphForm(sandbox.app, 'POST', `${id}/users`, { payload: '{"schema":' });
    expect(graphError(badJson)).toMatchObject({ code: 100, message: '(#100) Param payload must be a valid JSON object' });
    const badSession = await graph(sandbox.app, 'POST', `${id}/users`, {
      payload: { schema: 'EMAIL_SHA256', data: [] },
      session: { session_id: 1, batch_seq: 0 },
    });
    expect(graphError(badSession)).toMatchObject({ code: 100 });
    const foreign = await graph(sandbox.app, 'POST', `${id}/users`, {
      access_token: FOREIGN_TOKEN,
      payload: { schema: 'EMAIL_SHA256', data: [] },
    });
    expect(graphError(foreign)).toMatchObject({ code: 100, subcode: 33, message: expect.stringMatching(/^Unsupported post request/) });
    const unknownDelete = await graph(sandbox.app, 'DELETE', '123/users', { payload: { schema: 'EMAIL_SHA256', data: [] } });
    expect(graphError(unknownDelete)).toMatchObject({ message: expect.stringMatching(/^Unsupported delete request/) });
  });
});
