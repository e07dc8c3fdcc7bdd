import { describe, expect, it } from 'vitest';
import { planTiktok } from './plan.js';
import { classifyTiktokCode, tiktokThrottleWait } from './errors.js';

const files = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `EMAIL_SHA256-${String(i + 1).padStart(5, '0')}.csv`, rows: 100 + i, bytes: 6500, md5: `${i}`.padStart(32, '0') }));
const base = { typeName: 'EMAIL_SHA256', header: null, sessionId: '1' };

describe('planTiktok', () => {
  it('uploads each file, then creates a new audience with their paths', () => {
    const plan = planTiktok({ ...base, files: files(2), mode: 'append', audience: { name: 'Foodies' } });
    expect(plan.map((b) => [b.seq, b.kind, b.params.action ?? null, b.dependsOn])).toEqual([
      [1, 'upload-file', null, []],
      [2, 'upload-file', null, []],
      [3, 'apply-files', 'CREATE', [1, 2]],
    ]);
    expect(plan[2]!.params).toMatchObject({ name: 'Foodies', uploads: [1, 2], calculateType: 'EMAIL_SHA256' });
    expect(plan[2]!.rows).toBe(201);
  });

  it('applies at most 49 files per call, in order, and replaces with the first group only', () => {
    const plan = planTiktok({ ...base, files: files(50), mode: 'replace', audience: { id: '42' } });
    const applies = plan.filter((b) => b.kind === 'apply-files');
    expect(applies.map((b) => [b.params.action, (b.params.uploads as number[]).length])).toEqual([
      ['REPLACE', 49],
      ['APPEND', 1],
    ]);
    // The second group's upload waits for the first apply; the second apply waits for it too.
    expect(plan[50]!.dependsOn).toEqual([50]);
    expect(applies[1]!.dependsOn).toEqual([51, 50]);
  });

  it.each([
    ['append', 'APPEND'],
    ['remove', 'REMOVE'],
    ['replace', 'REPLACE'],
  ] as const)('mode %s on an existing audience sends %s', (mode, action) => {
    const plan = planTiktok({ ...base, files: files(1), mode, audience: { id: '42' } });
    expect(plan[1]!.params.action).toBe(action);
  });

  it('refuses to remove from an audience that does not exist, and an empty upload', () => {
    expect(() => planTiktok({ ...base, files: files(1), mode: 'remove', audience: { name: 'New' } })).toThrow(/needs an existing audience/);
    expect(() => planTiktok({ ...base, files: [], mode: 'append', audience: { id: '1' } })).toThrow(/nothing to upload/);
  });
});

describe('classifyTiktokCode', () => {
  it.each([
    [40100, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [40133, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [40104, 'reauth', 'AU_AUTH_FAILED'],
    [40105, 'reauth', 'AU_AUTH_FAILED'],
    [40102, 'reauth', 'AU_AUTH_FAILED'],
    [40001, 'fail', 'AU_PERMISSION_DENIED'],
    [40007, 'fail', 'AU_AUDIENCE_NOT_FOUND'],
    [40900, 'retry', 'AU_PLATFORM_UNAVAILABLE'],
    [40906, 'fail', 'AU_PLATFORM_REJECTED'],
    [40907, 'fail', 'AU_PLATFORM_REJECTED'],
    [40909, 'fail', 'AU_PLATFORM_REJECTED'],
    [40910, 'fail', 'AU_PLATFORM_REJECTED'],
    [50000, 'retry', 'AU_PLATFORM_UNAVAILABLE'],
    [50002, 'retry', 'AU_PLATFORM_UNAVAILABLE'],
    [60001, 'retry', 'AU_PLATFORM_UNAVAILABLE'],
    [12345, 'fail', 'AU_PLATFORM_REJECTED'],
  ])('code %i → %s (%s)', (code, disposition, errorCode) => {
    const result = classifyTiktokCode(code, 'message');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.disposition).toBe(disposition);
      expect(result.code).toBe(errorCode);
    }
  });

  it('tells a processing audience and the 1,000-member rule from other parameter errors', () => {
    const busy = classifyTiktokCode(40002, 'Custom audience is still processing. Please try again later.');
    const small = classifyTiktokCode(40002, 'The audience size after the update would be less than 1000.');
    const other = classifyTiktokCode(40002, 'custom_audience_name: too long');
    expect(!busy.ok && busy.code).toBe('AU_AUDIENCE_BUSY');
    expect(!small.ok && small.code).toBe('AU_AUDIENCE_TOO_SMALL');
    expect(!other.ok && other.code).toBe('AU_PLATFORM_REJECTED');
  });

  it('names the variable to fix for token errors', () => {
    const result = classifyTiktokCode(40105, 'Access token is invalid');
    expect(!result.ok && result.message).toMatch(/AU_TIKTOK_ACCESS_TOKEN/);
  });

  it('waits for the next second, five minutes, or UTC midnight by the limit that was hit', () => {
    const now = Date.UTC(2026, 10, 22, 23, 59, 30, 250);
    expect(tiktokThrottleWait('Too many requests', now)).toBe(750);
    expect(tiktokThrottleWait('exceeded the per minute limit', now)).toBe(300_000);
    expect(tiktokThrottleWait('daily limit reached', now)).toBe(29_750);
  });
});
