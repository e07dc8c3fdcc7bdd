import { describe, expect, it } from 'vitest';
import { describeCredentials } from './redact.js';

const fields = [
  { key: 'accessToken', label: 'Access token', secret: true },
  { key: 'appSecret', label: 'App secret', secret: true },
  { key: 'adAccountId', label: 'Ad account id', secret: false },
  { key: 'apiVersion', label: 'API version', secret: false },
];

describe('describeCredentials', () => {
  it('shows whether each field is set and the value of non-secret fields only', () => {
    const values = { accessToken: 'EAAB-secret-token-1234', appSecret: '', adAccountId: '1000000000000001', stray: 'hidden-value' };
    const views = describeCredentials(fields, values);
    expect(views).toEqual([
      { key: 'accessToken', label: 'Access token', set: true },
      { key: 'appSecret', label: 'App secret', set: false },
      { key: 'adAccountId', label: 'Ad account id', set: true, value: '1000000000000001' },
      { key: 'apiVersion', label: 'API version', set: false },
    ]);
    expect(views[0]).not.toHaveProperty('value');
    const text = JSON.stringify(views);
    for (const needle of ['EAAB', '1234', 'hidden-value', 'stray']) expect(text).not.toContain(needle);
  });

  it('ignores inherited properties', () => {
    const values = Object.create({ accessToken: 'inherited' }) as Record<string, string>;
    expect(describeCredentials(fields, values)[0]).toEqual({ key: 'accessToken', label: 'Access token', set: false });
  });
});
