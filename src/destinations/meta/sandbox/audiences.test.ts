import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  FOREIGN_ACCOUNT,
  FOREIGN_TOKEN,
  SECOND_ACCOUNT,
  createAudience,
  graph,
  graphError,
  graphForm,
  startSandbox,
  syntheticHashes,
  type TestSandbox,
} from './test-kit.js';

const createPath = (account = ACCOUNT) => `act_${account}/customaudiences`;
const valid = { name: 'synthetic audience', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' };

describe('Meta sandbox: create an audience', () => {
  let sandbox: TestSandbox;
  afterEach(() => sandbox.app.close());

  it('creates with a JSON or a form body and answers a numeric id with usage headers', async () => {
    sandbox = await startSandbox();
    const json = await graph(sandbox.app, 'POST', createPath(), { ...valid, description: 'made by a test' });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual({ id: expect.stringMatching(/^\d+$/) });
    expect(JSON.parse(String(json.headers['x-ad-account-usage']))).toMatchObject({ acc_id_util_pct: 1 });
    const form = await graphForm(sandbox.app, 'POST', createPath(), valid);
    expect(form.json()).toEqual({ id: expect.stringMatching(/^\d+$/) });
    expect(sandbox.sandbox.audiences()).toEqual([
      { id: json.json().id, name: 'synthetic audience', account: ACCOUNT, size: 0 },
      { id: form.json().id, name: 'synthetic audience', account: ACCOUNT, size: 0 },
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['missing name', { ...valid, name: '' }, '(#100) The parameter name is required'],
    ['wrong subtype', { ...valid, subtype: 'WEBSITE' }, '(#100) subtype must be one of the following values: CUSTOM'],
    [
      'missing customer_file_source',
      { name: 'x', subtype: 'CUSTOM' },
      '(#100) The parameter customer_file_source is required',
    ],
    [
      'unknown customer_file_source',
      { ...valid, customer_file_source: 'SCRAPED' },
      '(#100) customer_file_source must be one of the following values: USER_PROVIDED_ONLY, PARTNER_PROVIDED_ONLY, BOTH_USER_AND_PARTNER_PROVIDED',
    ],
  ])('refuses %s with code 100', async (_name, params, message) => {
    sandbox = await startSandbox();
    const response = await graph(sandbox.app, 'POST', createPath(), params);
    expect(graphError(response)).toEqual({ status: 400, code: 100, message });
    expect(sandbox.sandbox.audiences()).toEqual([]);
  });

  it('answers 100/33 for an ad account the token may not use', async () => {
    sandbox = await startSandbox();
    const response = await graph(sandbox.app, 'POST', createPath(FOREIGN_ACCOUNT), valid);
    expect(graphError(response)).toMatchObject({ status: 400, code: 100, subcode: 33 });
    expect(graphError(response).message).toMatch(
      new RegExp(`^Unsupported post request\\. Object with ID 'act_${FOREIGN_ACCOUNT}' does not exist, cannot be loaded`),
    );
  });

  it('answers 200/1870090 when the account has not accepted the custom audience terms', async () => {
    sandbox = await startSandbox({ termsNotAccepted: [SECOND_ACCOUNT] });
    const response = await graph(sandbox.app, 'POST', createPath(SECOND_ACCOUNT), valid);
    expect(graphError(response)).toMatchObject({ status: 400, code: 200, subcode: 1870090 });
    expect(response.json().error.error_user_msg).toContain('accept the Custom Audience Terms');
  });

  it('refuses more audiences than the account limit', async () => {
    sandbox = await startSandbox({ maxAudiencesPerAccount: 2 });
    await createAudience(sandbox.app, 'a');
    await createAudience(sandbox.app, 'b');
    const response = await graph(sandbox.app, 'POST', createPath(), valid);
    expect(graphError(response)).toMatchObject({ status: 400, code: 100 });
    expect(graphError(response).message).toContain('maximum of 2 customer file custom audiences');
    expect(await createAudience(sandbox.app, 'other account', SECOND_ACCOUNT)).toMatch(/^\d+$/);
  });
});

describe('Meta sandbox: list and read audiences', () => {
  let sandbox: TestSandbox;
  afterEach(() => sandbox.app.close());

  it('pages through the list with after cursors; next only while pages remain', async () => {
    sandbox = await startSandbox();
    const created: string[] = [];
    for (let index = 0; index < 5; index++) created.push(await createAudience(sandbox.app, `audience ${index}`));
    await createAudience(sandbox.app, 'other account', SECOND_ACCOUNT);

    const seen: { id: string; name: string }[] = [];
    const nexts: (string | undefined)[] = [];
    let after: string | undefined;
    for (let page = 0; page < 3; page++) {
      const response = await graph(sandbox.app, 'GET', createPath(), {
        fields: 'id,name',
        limit: 2,
        filtering: JSON.stringify([{ field: 'subtype', operator: 'EQUAL', value: 'CUSTOM' }]),
        ...(after ? { after } : {}),
      });
      expect(response.statusCode).toBe(200);
      const body = response.json<{
        data: { id: string; name: string }[];
        paging: { cursors: { before: string; after: string }; next?: string };
      }>();
      seen.push(...body.data);
      nexts.push(body.paging.next);
      after = body.paging.cursors.after;
      if (body.paging.next) expect(new URL(body.paging.next).searchParams.get('after')).toBe(after);
    }
    expect(seen).toEqual(created.map((id, index) => ({ id, name: `audience ${index}` })));
    expect(nexts.map((next) => next !== undefined)).toEqual([true, true, false]);
    expect(nexts[0]).toMatch(/^http:\/\/localhost(:\d+)?\/v25\.0\/act_1000000000000001\/customaudiences\?/);
  });

  it('answers only the requested fields of one audience, id always', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app, 'fields');
    await graph(sandbox.app, 'POST', `${id}/users`, { payload: { schema: 'EMAIL_SHA256', data: syntheticHashes('read', 3) } });
    const response = await graph(sandbox.app, 'GET', id, {
      fields:
        'name,account_id,approximate_count_lower_bound,approximate_count_upper_bound,operation_status,subtype,customer_file_source',
    });
    expect(response.json()).toEqual({
      id,
      name: 'fields',
      account_id: ACCOUNT,
      approximate_count_lower_bound: 3,
      approximate_count_upper_bound: 3,
      operation_status: { code: 200, description: 'Normal' },
      subtype: 'CUSTOM',
      customer_file_source: 'USER_PROVIDED_ONLY',
    });
    expect((await graph(sandbox.app, 'GET', id, { fields: 'name' })).json()).toEqual({ id, name: 'fields' });
    const unknownField = await graph(sandbox.app, 'GET', id, { fields: 'id,rule' });
    expect(graphError(unknownField)).toMatchObject({ code: 100, message: expect.stringContaining('nonexisting field (rule)') });
  });

  it('answers 100/33 for an unknown audience and for one the token may not see', async () => {
    sandbox = await startSandbox();
    const foreign = await createAudience(sandbox.app, 'foreign', ACCOUNT);
    const unknown = await graph(sandbox.app, 'GET', '999', { fields: 'id' });
    expect(graphError(unknown)).toMatchObject({ code: 100, subcode: 33 });
    expect(graphError(unknown).message).toMatch(/^Unsupported get request\. Object with ID '999' does not exist/);
    const hidden = await graph(sandbox.app, 'GET', foreign, { access_token: FOREIGN_TOKEN });
    expect(graphError(hidden)).toMatchObject({ code: 100, subcode: 33 });
    const hiddenList = await graph(sandbox.app, 'GET', createPath(), { access_token: FOREIGN_TOKEN });
    expect(graphError(hiddenList)).toMatchObject({ code: 100, subcode: 33 });
  });
});
