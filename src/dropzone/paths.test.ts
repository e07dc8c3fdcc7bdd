import { describe, expect, it } from 'vitest';
import { identifierFoldersFor, isIgnoredName, isSettled, keyTimestamp, outcomeKey, parseDropPath } from './paths.js';

describe('parseDropPath', () => {
  it.each([
    ['tiktok/Foodies/email_sha256/list.csv', { platform: 'tiktok', audience: 'Foodies', identifier: 'EMAIL', identifierFolder: 'email_sha256', column: 'email_sha256' }],
    ['TikTok/Foodies/EMAIL_SHA256/list.csv', { platform: 'tiktok', audience: 'Foodies', identifier: 'EMAIL', identifierFolder: 'EMAIL_SHA256', column: 'email_sha256' }],
    ['TIKTOK/foodies/Phone-SHA256/a.txt', { platform: 'tiktok', audience: 'foodies', identifier: 'PHONE', column: 'phone_sha256' }],
    ['tiktok/Big Spenders 2026/phone/part-0001.csv', { platform: 'tiktok', audience: 'Big Spenders 2026', identifier: 'PHONE' }],
    ['tiktok/Gamers/idfa_sha256/x.csv', { identifier: 'IDFA', column: 'idfa_sha256' }],
    ['tiktok/Gamers/GAID_SHA256/x.csv', { identifier: 'GAID' }],
    ['tiktok/Gamers/maid_sha256/x.csv', { identifier: 'MAID' }],
    ['Meta/Foodies/Email/list.csv', { platform: 'meta', audience: 'Foodies', identifier: 'EMAIL', column: 'email_sha256' }],
    ['meta/Foodies/phone_sha256/list.csv', { platform: 'meta', identifier: 'PHONE' }],
  ])('%s', (relative, expected) => {
    const parsed = parseDropPath(relative);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.target).toMatchObject(expected);
  });

  it.each([
    ['tiktok/Foodies/foo_sha256/list.csv', /^unknown identifier folder "foo_sha256"; use one of: email_sha256, phone_sha256, idfa_sha256, gaid_sha256, maid_sha256$/],
    ['tiktok/Foodies/email_md5/list.csv', /unknown identifier folder "email_md5"/],
    ['tiktok/Foodies/fn_sha256/list.csv', /unknown identifier folder "fn_sha256"/],
    ['meta/Foodies/maid_sha256/list.csv', /^Meta.* takes MAID unhashed, and the drop zone takes hashed files only \(use `upload` for raw files\); use one of: email_sha256, phone_sha256$/],
    ['meta/Foodies/idfa/list.csv', /takes IDFA unhashed/],
    ['snap/Foodies/email_sha256/list.csv', /^unknown platform folder "snap"; use one of: tiktok, meta$/],
    ['constructor/Foodies/email_sha256/list.csv', /^unknown platform folder "constructor"/],
    ['tiktok/list.csv', /^a drop-zone file goes in dropzone\/<platform>\/<audience>\/<identifier>\/<file>.*"dropzone\/tiktok\/list.csv" is not$/],
    ['tiktok/Foodies/list.csv', /goes in dropzone/],
    ['tiktok/Foodies/email_sha256/sub/list.csv', /goes in dropzone/],
  ])('%s is refused', (relative, reason) => {
    const parsed = parseDropPath(relative);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.code).toBe('AU_DROPZONE_PATH');
      expect(parsed.reason).toMatch(reason);
    }
  });

  it('lists the identifier folders each platform takes hashed', () => {
    expect(identifierFoldersFor('tiktok')).toEqual(['email_sha256', 'phone_sha256', 'idfa_sha256', 'gaid_sha256', 'maid_sha256']);
    expect(identifierFoldersFor('meta')).toEqual(['email_sha256', 'phone_sha256']);
    expect(identifierFoldersFor('nope')).toEqual([]);
  });
});

describe('file names and times', () => {
  it.each([
    ['dropzone/tiktok/a/email/list.csv', false],
    ['dropzone/tiktok/a/email/.list.csv.Xyz12', true],
    ['dropzone/tiktok/a/email/~lock.list.csv', true],
    ['dropzone/tiktok/a/email/list.csv.part', true],
    ['dropzone/tiktok/a/email/list.csv.filepart', true],
    ['dropzone/tiktok/a/email/list.csv.crdownload', true],
    ['dropzone/tiktok/a/email/list.TMP', true],
    ['dropzone/tiktok/a/email/partial.csv', false],
  ])('isIgnoredName(%s) = %s', (key, ignored) => {
    expect(isIgnoredName(key)).toBe(ignored);
  });

  it('takes a file once it has not changed for the settle time', () => {
    const now = new Date('2026-11-22T12:00:10Z');
    expect(isSettled(new Date('2026-11-22T12:00:05Z'), now, 5_000)).toBe(true);
    expect(isSettled(new Date('2026-11-22T12:00:06Z'), now, 5_000)).toBe(false);
    expect(isSettled(new Date('2026-11-22T12:00:20Z'), now, 5_000)).toBe(false); // modified "in the future" (clock skew)
    expect(isSettled(now, now, 0)).toBe(true);
  });

  it('names finished files with a sortable timestamp in the folders they came from', () => {
    const at = new Date('2026-11-22T19:56:31.123Z');
    expect(keyTimestamp(at)).toBe('20261122T195631.123Z');
    expect(outcomeKey('processed', 'TikTok/Foodies/EMAIL_SHA256/list.csv', at)).toBe('processed/TikTok/Foodies/EMAIL_SHA256/20261122T195631.123Z-list.csv');
    expect(outcomeKey('failed', 'list.csv', at)).toBe('failed/20261122T195631.123Z-list.csv');
  });
});
