import { afterEach, describe, expect, it } from 'vitest';
import { appSecretProof } from './auth.js';
import { ACCOUNT, TOKEN, VERSION, createAudience, graph, graphError, startSandbox, type TestSandbox } from './test-kit.js';

const APP_SECRET = 'synthetic-app-secret';
const listPath = `/${VERSION}/act_${ACCOUNT}/customaudiences`;

describe('Meta sandbox auth', () => {
  let sandbox: TestSandbox;
  afterEach(() => sandbox.app.close());

  it('requires an access token (code 104)', async () => {
    sandbox = await startSandbox();
    const response = await sandbox.app.inject({ method: 'GET', url: listPath });
    expect(graphError(response)).toEqual({
      status: 400,
      code: 104,
      message: 'An access token is required to request this resource.',
    });
    expect(response.json().error).toMatchObject({ type: 'OAuthException', fbtrace_id: expect.any(String) });
  });

  it('refuses an unknown token (code 190)', async () => {
    sandbox = await startSandbox();
    const response = await graph(sandbox.app, 'GET', `act_${ACCOUNT}/customaudiences`, { access_token: 'nope' });
    expect(graphError(response)).toEqual({
      status: 400,
      code: 190,
      message: 'Invalid OAuth access token - Cannot parse access token',
    });
  });

  it('takes the token from an Authorization Bearer header', async () => {
    sandbox = await startSandbox();
    const response = await sandbox.app.inject({
      method: 'GET',
      url: listPath,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ data: [] });
  });

  it('checks appsecret_proof when an app secret is set', async () => {
    sandbox = await startSandbox({ appSecret: APP_SECRET });
    const path = `act_${ACCOUNT}/customaudiences`;
    const missing = await graph(sandbox.app, 'GET', path);
    const wrong = await graph(sandbox.app, 'GET', path, { appsecret_proof: appSecretProof('other-secret', TOKEN) });
    for (const response of [missing, wrong]) {
      expect(graphError(response)).toEqual({
        status: 400,
        code: 100,
        message: 'Invalid appsecret_proof provided in the API argument',
      });
    }
    const right = await graph(sandbox.app, 'GET', path, { appsecret_proof: appSecretProof(APP_SECRET, TOKEN) });
    expect(right.statusCode).toBe(200);
    const viaHeader = await sandbox.app.inject({
      method: 'POST',
      url: `/${VERSION}/${path}`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { appsecret_proof: appSecretProof(APP_SECRET, TOKEN), name: 'a', customer_file_source: 'USER_PROVIDED_ONLY' },
    });
    expect(viaHeader.statusCode).toBe(200);
  });

  it('accepts any vNN.N version and refuses other first segments', async () => {
    sandbox = await startSandbox();
    const id = await createAudience(sandbox.app);
    for (const version of ['v25.0', 'v26.0']) {
      const response = await sandbox.app.inject({ method: 'GET', url: `/${version}/${id}`, query: { access_token: TOKEN } });
      expect(response.json()).toEqual({ id });
    }
    for (const version of ['v25', '25.0', 'latest']) {
      const response = await sandbox.app.inject({ method: 'GET', url: `/${version}/${id}`, query: { access_token: TOKEN } });
      expect(graphError(response)).toMatchObject({ status: 400, code: 2500 });
    }
  });
});
