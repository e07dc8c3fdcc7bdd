import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createAudience, graph, graphError, startSandbox, syntheticHashes, type TestSandbox } from './test-kit.js';

const batch = (data: string[]) => ({ schema: 'EMAIL_SHA256', data });
const emailKeys = (hashes: string[]) => hashes.map((hash) => `EMAIL=${hash}`).sort();

describe('Meta sandbox: usersreplace sessions', () => {
  let sandbox: TestSandbox;
  afterEach(() => sandbox.app.close());

  /** An audience holding `old` members, ready to be replaced. */
  async function audienceWith(old: string[]): Promise<string> {
    const id = await createAudience(sandbox.app);
    await graph(sandbox.app, 'POST', `${id}/users`, { payload: batch(old) });
    return id;
  }

  const replace = (id: string, data: string[], session: Record<string, unknown>) =>
    graph(sandbox.app, 'POST', `${id}/usersreplace`, { payload: batch(data), session });

  it('replaces the members exactly with the batches of one session, on the last batch', async () => {
    sandbox = await startSandbox();
    const old = syntheticHashes('old', 5);
    const fresh = syntheticHashes('new', 9);
    const kept = old.slice(0, 2);
    const id = await audienceWith(old);
    const batches = [fresh.slice(0, 4), [...fresh.slice(4, 7), ...kept], fresh.slice(7)];
    for (const [index, data] of batches.entries()) {
      const response = await replace(id, data, {
        session_id: 77,
        batch_seq: index + 1,
        last_batch_flag: index === batches.length - 1,
        estimated_num_total: 11,
      });
      expect(response.json()).toMatchObject({ audience_id: id, session_id: '77', num_received: data.length });
      const status = (await graph(sandbox.app, 'GET', id, { fields: 'operation_status' })).json().operation_status;
      if (index < batches.length - 1) {
        // Members change only when the last batch arrives.
        expect(sandbox.sandbox.members(id)).toEqual(emailKeys(old));
        expect(status).toEqual({ code: 300, description: 'Replacing' });
      } else {
        expect(status).toEqual({ code: 200, description: 'Normal' });
      }
    }
    expect(sandbox.sandbox.members(id)).toEqual(emailKeys([...fresh, ...kept]));
    expect(sandbox.sandbox.stats().applied.filter(({ operation }) => operation === 'replace').map(({ key }) => key)).toEqual([
      '77:1',
      '77:2',
      '77:3',
    ]);

    // A replay after the session finished is still recognized, not refused and not applied.
    const replay = await replace(id, batches[1] as string[], { session_id: 77, batch_seq: 2 });
    expect(replay.statusCode).toBe(200);
    expect(sandbox.sandbox.stats().replaysIgnored).toBe(1);
    expect(sandbox.sandbox.members(id)).toEqual(emailKeys([...fresh, ...kept]));
  });

  it('requires a session', async () => {
    sandbox = await startSandbox();
    const id = await audienceWith([]);
    const response = await graph(sandbox.app, 'POST', `${id}/usersreplace`, { payload: batch(syntheticHashes('x', 1)) });
    expect(graphError(response)).toEqual({ status: 400, code: 100, message: '(#100) The parameter session is required' });
  });

  it('answers 2650/1870147 when a new session does not start at batch_seq 1', async () => {
    sandbox = await startSandbox();
    const id = await audienceWith(syntheticHashes('old', 2));
    const response = await replace(id, syntheticHashes('new', 2), { session_id: 1, batch_seq: 2 });
    expect(graphError(response)).toMatchObject({ status: 400, code: 2650, subcode: 1870147 });
    expect(sandbox.sandbox.members(id)).toEqual(emailKeys(syntheticHashes('old', 2)));
  });

  it('answers 2650/1870159 for a new batch of a finished session', async () => {
    sandbox = await startSandbox();
    const id = await audienceWith([]);
    await replace(id, syntheticHashes('a', 2), { session_id: 5, batch_seq: 1, last_batch_flag: true });
    const response = await replace(id, syntheticHashes('b', 2), { session_id: 5, batch_seq: 2 });
    expect(graphError(response)).toMatchObject({ code: 2650, subcode: 1870159 });
    expect(sandbox.sandbox.members(id)).toEqual(emailKeys(syntheticHashes('a', 2)));
  });

  it('answers 2650/1870145 to users calls and other replace sessions while one is open', async () => {
    sandbox = await startSandbox();
    const id = await audienceWith([]);
    await replace(id, syntheticHashes('a', 2), { session_id: 5, batch_seq: 1 });
    const add = await graph(sandbox.app, 'POST', `${id}/users`, { payload: batch(syntheticHashes('b', 1)) });
    const remove = await graph(sandbox.app, 'DELETE', `${id}/users`, { payload: batch(syntheticHashes('a', 1)) });
    const other = await replace(id, syntheticHashes('c', 1), { session_id: 6, batch_seq: 1 });
    for (const response of [add, remove, other]) {
      expect(graphError(response)).toMatchObject({ status: 400, code: 2650, subcode: 1870145 });
    }
    await replace(id, [], { session_id: 5, batch_seq: 2, last_batch_flag: true });
    const afterwards = await graph(sandbox.app, 'POST', `${id}/users`, { payload: batch(syntheticHashes('b', 1)) });
    expect(afterwards.statusCode).toBe(200);
    expect(sandbox.sandbox.members(id)).toEqual(emailKeys([...syntheticHashes('a', 2), ...syntheticHashes('b', 1)]));
  });

  it('answers 2650/1870158 once a session has timed out, and frees the audience', async () => {
    sandbox = await startSandbox({ replaceSessionTimeoutMs: 5 });
    const old = syntheticHashes('old', 2);
    const id = await audienceWith(old);
    await replace(id, syntheticHashes('a', 2), { session_id: 5, batch_seq: 1 });
    await sleep(20);
    const late = await replace(id, syntheticHashes('b', 2), { session_id: 5, batch_seq: 2, last_batch_flag: true });
    expect(graphError(late)).toMatchObject({ code: 2650, subcode: 1870158 });
    expect(sandbox.sandbox.members(id)).toEqual(emailKeys(old));
    const add = await graph(sandbox.app, 'POST', `${id}/users`, { payload: batch(syntheticHashes('c', 1)) });
    expect(add.statusCode).toBe(200);
  });
});
