import { describe, expect, it } from 'vitest';
import { canonicalMemberKey, checkPayload, checkSession, valueProblem, type MultiKey } from './payload.js';
import { parseGraphJson } from './params.js';
import { syntheticHash } from './test-kit.js';

const EMAIL = syntheticHash('email-1');
const PHONE = syntheticHash('phone-1');
const ZIP = syntheticHash('zip-1');
const MADID = 'aaaaaaaa-0000-4000-8000-000000000001';

describe('valueProblem', () => {
  it.each<[MultiKey, unknown, string | null]>([
    ['EMAIL', EMAIL, null],
    ['EMAIL', '', null],
    ['EMAIL', EMAIL.toUpperCase(), 'EMAIL must be lower-case hex'],
    ['EMAIL', 'not-hashed@example.test', 'EMAIL is not a SHA-256 hex digest (hash the normalized value)'],
    ['EMAIL', EMAIL.slice(1), 'EMAIL is not a SHA-256 hex digest (hash the normalized value)'],
    ['PHONE', 12345, 'PHONE value must be a string'],
    ['MADID', MADID, null],
    ['MADID', '', null],
    ['MADID', syntheticHash('madid'), 'MADID must be sent unhashed, not as a SHA-256 digest'],
    ['EXTERN_ID', 'crm-42', null],
    ['EXTERN_ID', syntheticHash('crm-42').toUpperCase(), 'EXTERN_ID must be sent unhashed, not as a SHA-256 digest'],
  ])('%s %j -> %s', (key, value, expected) => {
    expect(valueProblem(key, value)).toBe(expected);
  });
});

describe('canonicalMemberKey', () => {
  it.each<[MultiKey[], string[], string]>([
    [['EMAIL'], [EMAIL], `EMAIL=${EMAIL}`],
    [['ZIP', 'EMAIL', 'PHONE'], [ZIP, EMAIL, ''], `EMAIL=${EMAIL}|ZIP=${ZIP}`],
    [['PHONE', 'MADID'], [PHONE, MADID], `MADID=${MADID}|PHONE=${PHONE}`],
  ])('%j %j', (keys, values, expected) => {
    expect(canonicalMemberKey(keys, values)).toBe(expected);
  });
});

describe('checkPayload: whole-request errors', () => {
  it.each<[string, unknown, string]>([
    ['missing payload', undefined, 'The parameter payload is required'],
    ['payload not an object', [EMAIL], 'payload must be a JSON object {schema, data}'],
    ['missing schema', { data: [] }, 'The parameter payload[schema] is required (a string or an array of keys)'],
    ['empty schema', { schema: [], data: [] }, 'payload[schema] must list at least one key'],
    ['unknown single-key schema', { schema: 'EMAIL', data: [] }, "Invalid schema 'EMAIL'"],
    ['unknown multi-key key', { schema: ['EMAIL', 'SSN'], data: [] }, 'Invalid schema key "SSN"'],
    ['duplicate key', { schema: ['EMAIL', 'PHONE', 'EMAIL'], data: [] }, 'Duplicate schema key EMAIL'],
    ['data not an array', { schema: 'EMAIL_SHA256', data: EMAIL }, 'payload[data] must be an array'],
    ['row too short', { schema: ['EMAIL', 'PHONE'], data: [[EMAIL, PHONE], [EMAIL]] }, 'Row 1 has 1 values but the schema has 2 keys'],
    ['row too long', { schema: ['EMAIL'], data: [[EMAIL, PHONE]] }, 'Row 0 has 2 values but the schema has 1 keys'],
    ['row not an array', { schema: ['EMAIL'], data: [EMAIL] }, 'Row 0 must be an array of 1 values in schema order'],
    ['nested single-key data', { schema: 'EMAIL_SHA256', data: [[EMAIL]] }, 'Row 0: a single-key schema takes a flat list'],
    [
      'too many rows',
      { schema: 'EMAIL_SHA256', data: Array.from({ length: 10_001 }, () => EMAIL) },
      'Too many users in the payload, maximum is 10000',
    ],
  ])('%s', (_name, payload, message) => {
    const checked = checkPayload(payload);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toContain(message);
  });
});

describe('checkPayload: rows', () => {
  it('keeps valid rows and counts invalid ones with samples by row index', () => {
    const checked = checkPayload({
      schema: ['EMAIL', 'PHONE', 'MADID'],
      data: [
        [EMAIL, PHONE, ''],
        ['', '', ''],
        ['raw@example.test', PHONE, ''],
        ['', '', MADID],
        [EMAIL, '', syntheticHash('madid')],
      ],
    });
    expect(checked).toEqual({
      ok: true,
      value: {
        keys: ['EMAIL', 'PHONE', 'MADID'],
        received: 5,
        members: [`EMAIL=${EMAIL}|PHONE=${PHONE}`, `MADID=${MADID}`],
        invalid: 3,
        samples: {
          '1': 'row has no values',
          '2': 'EMAIL is not a SHA-256 hex digest (hash the normalized value)',
          '4': 'MADID must be sent unhashed, not as a SHA-256 digest',
        },
      },
    });
  });

  it('maps single-key schemas to their key and samples by value', () => {
    const checked = checkPayload({ schema: 'PHONE_SHA256', data: [PHONE, 'ABC', '', PHONE] });
    expect(checked.ok && checked.value).toMatchObject({
      keys: ['PHONE'],
      received: 4,
      members: [`PHONE=${PHONE}`, `PHONE=${PHONE}`],
      invalid: 2,
      samples: { ABC: 'PHONE is not a SHA-256 hex digest (hash the normalized value)', '2': 'row has no values' },
    });
    const madids = checkPayload({ schema: 'MOBILE_ADVERTISER_ID', data: [MADID] });
    expect(madids.ok && madids.value.members).toEqual([`MADID=${MADID}`]);
  });

  it('keeps at most 10 samples while counting every invalid row', () => {
    const checked = checkPayload({ schema: 'EMAIL_SHA256', data: Array.from({ length: 25 }, (_, index) => `bad-${index}`) });
    expect(checked.ok && checked.value.invalid).toBe(25);
    expect(checked.ok && Object.keys(checked.value.samples)).toHaveLength(10);
  });

  it('accepts an empty batch', () => {
    expect(checkPayload({ schema: 'EMAIL_SHA256', data: [] })).toMatchObject({ ok: true, value: { received: 0 } });
  });
});

describe('checkSession', () => {
  it.each<[unknown, object]>([
    [{ session_id: 7, batch_seq: 1, last_batch_flag: false }, { sessionId: '7', batchSeq: 1, lastBatch: false }],
    [{ session_id: '9223372036854775807', batch_seq: '2', last_batch_flag: 'true' }, { sessionId: '9223372036854775807', batchSeq: 2, lastBatch: true }],
    [{ session_id: 7, batch_seq: 3, estimated_num_total: 30_000 }, { sessionId: '7', batchSeq: 3, lastBatch: false, estimatedTotal: 30_000 }],
  ])('%j is valid', (session, expected) => {
    expect(checkSession(session)).toEqual({ ok: true, value: expected });
  });

  it.each<[unknown, string]>([
    ['7', 'session must be a JSON object'],
    [{ batch_seq: 1 }, 'session[session_id] must be a non-negative 64-bit integer'],
    [{ session_id: 'abc', batch_seq: 1 }, 'session[session_id] must be a non-negative 64-bit integer'],
    [{ session_id: '9223372036854775808', batch_seq: 1 }, 'session[session_id] must be a non-negative 64-bit integer'],
    [{ session_id: 7, batch_seq: 0 }, 'session[batch_seq] must be an integer of at least 1'],
    [{ session_id: 7, batch_seq: 1.5 }, 'session[batch_seq] must be an integer of at least 1'],
    [{ session_id: 7, batch_seq: 1, last_batch_flag: 'yes' }, 'session[last_batch_flag] must be a boolean'],
    [{ session_id: 7, batch_seq: 1, estimated_num_total: -1 }, 'session[estimated_num_total] must be a non-negative integer'],
  ])('%j is refused', (session, message) => {
    const checked = checkSession(session);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toContain(message);
  });

  it('keeps 64-bit session ids sent as JSON numbers exact', () => {
    const decoded = parseGraphJson('{"session_id": 9007199254740993, "batch_seq": 1}');
    expect(checkSession(decoded)).toMatchObject({ ok: true, value: { sessionId: '9007199254740993' } });
  });
});
