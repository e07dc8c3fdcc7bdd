import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT, createAudience, graph, startSandbox, syntheticHashes, type TestSandbox } from './test-kit.js';

describe('Meta sandbox: faults, statistics and reset', () => {
  let sandbox: TestSandbox;
  afterEach(() => sandbox.app.close());

  it('answers 80003 with the business use case usage header when rate limited', async () => {
    sandbox = await startSandbox();
    sandbox.sandbox.faults.configure({ rateLimitRate: 1 });
    const response = await graph(sandbox.app, 'POST', `act_${ACCOUNT}/customaudiences`, {
      name: 'limited',
      customer_file_source: 'USER_PROVIDED_ONLY',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        message: '(#80003) There have been too many calls to this ad-account. Wait a bit and try again.',
        type: 'OAuthException',
        code: 80003,
        error_subcode: 2446079,
        fbtrace_id: expect.any(String),
      },
    });
    const usage = JSON.parse(String(response.headers['x-business-use-case-usage']));
    expect(usage).toEqual({
      [ACCOUNT]: [
        { type: 'custom_audience', call_count: 100, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 0 },
      ],
    });
    expect(sandbox.sandbox.audiences()).toEqual([]);
    expect(sandbox.sandbox.stats().faults['rate-limit']).toBe(1);
  });

  it('names the audience account in the usage header for audience routes', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    sandbox.sandbox.faults.configure({ rateLimitRate: 1 });
    const response = await graph(sandbox.app, 'POST', `${id}/users`, { payload: { schema: 'EMAIL_SHA256', data: [] } });
    expect(Object.keys(JSON.parse(String(response.headers['x-business-use-case-usage'])))).toEqual([ACCOUNT]);
  });

  it('counts a share of well-formed rows invalid, with samples, and adds only the others (invalidRowRate)', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    sandbox.sandbox.faults.configure({ invalidRowRate: 0.5, seed: 7 });
    const response = await graph(sandbox.app, 'POST', `${id}/users`, {
      payload: { schema: 'EMAIL_SHA256', data: syntheticHashes('refused', 40) },
    });
    expect(response.statusCode).toBe(200);
    const answer = response.json() as { num_received: number; num_invalid_entries: number; invalid_entry_samples: Record<string, string> };
    expect(answer.num_received).toBe(40);
    expect(answer.num_invalid_entries).toBeGreaterThan(5);
    expect(answer.num_invalid_entries).toBeLessThan(35);
    expect(Object.keys(answer.invalid_entry_samples)).toHaveLength(10);
    expect(Object.values(answer.invalid_entry_samples)).toContain('the platform could not use this row');
    expect(sandbox.sandbox.members(id)).toHaveLength(40 - answer.num_invalid_entries);
  });

  it('answers HTTP 500 code 2 for a server error, with no effect', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    sandbox.sandbox.faults.configure({ serverErrorRate: 1 });
    const response = await graph(sandbox.app, 'POST', `${id}/users`, {
      payload: { schema: 'EMAIL_SHA256', data: syntheticHashes('fault', 2) },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: {
        message: 'An unexpected error has occurred. Please retry your request later.',
        type: 'OAuthException',
        is_transient: true,
        code: 2,
        fbtrace_id: expect.any(String),
      },
    });
    expect(sandbox.sandbox.members(id)).toEqual([]);
    expect(sandbox.sandbox.stats().faults['server-error']).toBe(1);
  });

  it('counts requests and forgets everything on reset', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    await graph(sandbox.app, 'POST', `${id}/users`, { payload: { schema: 'EMAIL_SHA256', data: syntheticHashes('r', 2) } });
    sandbox.sandbox.faults.configure({ rateLimitRate: 1 });
    await graph(sandbox.app, 'GET', id);
    expect(sandbox.sandbox.stats()).toMatchObject({ requests: 3, replaysIgnored: 0, appliedTwice: [] });
    expect(sandbox.sandbox.stats().applied).toHaveLength(1);

    sandbox.sandbox.reset();
    expect(sandbox.sandbox.audiences()).toEqual([]);
    expect(sandbox.sandbox.members(id)).toBeNull();
    expect(sandbox.sandbox.faults.current().rateLimitRate).toBe(0);
    expect(sandbox.sandbox.stats()).toMatchObject({ requests: 0, applied: [], faults: { 'rate-limit': 0, passed: 0 } });
    // Ids are not reused after a reset, so a stale id never names a new audience.
    expect(await createAudience(sandbox.app)).not.toBe(id);
  });
});
