import { describe, expect, it } from 'vitest';
import { planMeta } from './plan.js';
import { classifyMetaError, metaWaitHint } from './errors.js';

const files = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `batch-${String(i + 1).padStart(5, '0')}.csv`, rows: 10, bytes: 700, md5: `${i}`.padStart(32, '0') }));
const base = { typeName: 'MULTI_KEY', header: ['EMAIL', 'PHONE'], sessionId: '777' };

describe('planMeta', () => {
  it('creates a new audience, then sends every file in one session; the last closes it after the others', () => {
    const plan = planMeta({ ...base, files: files(3), mode: 'append', audience: { name: 'Foodies' } });
    expect(plan.map((b) => [b.seq, b.kind, b.dependsOn])).toEqual([
      [1, 'create-audience', []],
      [2, 'send-rows', [1]],
      [3, 'send-rows', [1]],
      [4, 'send-rows', [1, 2, 3]],
    ]);
    expect(plan.slice(1).map((b) => b.params.session)).toEqual([
      { session_id: 777, batch_seq: 1, last_batch_flag: false, estimated_num_total: 30 },
      { session_id: 777, batch_seq: 2, last_batch_flag: false, estimated_num_total: 30 },
      { session_id: 777, batch_seq: 3, last_batch_flag: true, estimated_num_total: 30 },
    ]);
    expect(plan[1]!.params.operation).toBe('add');
  });

  it('a replace session opens with batch 1 before the others', () => {
    const plan = planMeta({ ...base, files: files(3), mode: 'replace', audience: { id: '9' } });
    expect(plan.map((b) => [b.params.operation, b.dependsOn])).toEqual([
      ['replace', []],
      ['replace', [1]],
      ['replace', [1, 2]],
    ]);
  });

  it('replacing a new audience only adds; remove needs an existing audience', () => {
    expect(planMeta({ ...base, files: files(1), mode: 'replace', audience: { name: 'N' } })[1]!.params.operation).toBe('add');
    expect(planMeta({ ...base, files: files(1), mode: 'remove', audience: { id: '9' } })[0]!.params.operation).toBe('remove');
    expect(() => planMeta({ ...base, files: files(1), mode: 'remove', audience: { name: 'N' } })).toThrow(/needs an existing audience/);
  });
});

describe('classifyMetaError', () => {
  it.each([
    [{ code: 80003 }, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 4 }, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 17 }, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 613 }, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 80000 }, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 80004 }, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 80014 }, 'throttle', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 1 }, 'retry', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 2 }, 'retry', 'AU_PLATFORM_UNAVAILABLE'],
    [{ code: 190 }, 'reauth', 'AU_AUTH_FAILED'],
    [{ code: 100, message: 'Invalid appsecret_proof provided in the API argument' }, 'reauth', 'AU_AUTH_FAILED'],
    [{ code: 100, error_subcode: 33 }, 'fail', 'AU_AUDIENCE_NOT_FOUND'],
    [{ code: 100 }, 'fail', 'AU_PLATFORM_REJECTED'],
    [{ code: 105 }, 'fail', 'AU_PLATFORM_REJECTED'],
    [{ code: 194 }, 'fail', 'AU_PLATFORM_REJECTED'],
    [{ code: 200 }, 'fail', 'AU_PERMISSION_DENIED'],
    [{ code: 200, error_subcode: 1870090 }, 'fail', 'AU_PERMISSION_DENIED'],
    [{ code: 294 }, 'fail', 'AU_PERMISSION_DENIED'],
    [{ code: 2635 }, 'fail', 'AU_PLATFORM_REJECTED'],
    [{ code: 100, error_subcode: 1487366 }, 'fail', 'AU_AUDIENCE_NOT_FOUND'],
    [{ code: 2650, error_subcode: 1870145 }, 'fail', 'AU_AUDIENCE_BUSY'],
    [{ code: 2650, error_subcode: 1870158 }, 'fail', 'AU_UPLOAD_INCOMPLETE'],
    [{ code: 2650, error_subcode: 1870147 }, 'fail', 'AU_PLATFORM_REJECTED'],
    [{ code: 2650, error_subcode: 1870159 }, 'fail', 'AU_PLATFORM_REJECTED'],
    [{ code: 2650, error_subcode: 1870144 }, 'fail', 'AU_PLATFORM_REJECTED'],
    [{ code: 9999, is_transient: true }, 'retry', 'AU_PLATFORM_UNAVAILABLE'],
  ])('%j → %s (%s)', (error, disposition, errorCode) => {
    const result = classifyMetaError(error, undefined, '123');
    expect(!result.ok && [result.disposition, result.code]).toEqual([disposition, errorCode]);
  });

  it('says where to accept the custom audience terms', () => {
    const result = classifyMetaError({ code: 200, error_subcode: 1870090 }, undefined, '123');
    expect(!result.ok && result.message).toMatch(/customaudiences\/tos\/\?act=123/);
  });

  it('reads the wait from the usage headers, the longest one', () => {
    const headers = new Headers({
      'x-business-use-case-usage': JSON.stringify({ 1: [{ type: 'custom_audience', estimated_time_to_regain_access: 2 }] }),
      'x-ad-account-usage': JSON.stringify({ acc_id_util_pct: 100, reset_time_duration: 30 }),
    });
    expect(metaWaitHint(headers)).toBe(120_000);
    expect(metaWaitHint(new Headers({ 'x-ad-account-usage': '{"reset_time_duration":30}' }))).toBe(30_000);
    expect(metaWaitHint(new Headers({ 'x-business-use-case-usage': 'not json' }))).toBeUndefined();
    expect(metaWaitHint(new Headers())).toBeUndefined();
  });
});
