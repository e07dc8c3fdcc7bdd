import { afterAll, describe, expect, it } from 'vitest';
import { AuError } from '../errors.js';
import type { Database } from './database.js';
import { findAudiencesByName, getAudience, getAudienceByPlatformId, listAudiences, setAudienceSnapshot, upsertAudience, deleteAudience } from './queries/audiences.js';
import { listAudit, recordAudit } from './queries/audit.js';
import {
  deleteCredentials, deleteDestination, getCredentials, getDestination, getDestinationByName, insertDestination, listCredentialKeys,
  listDestinations, putCredentials, updateDestination,
} from './queries/destinations.js';
import { columnsSignature, getSavedMapping, saveMapping } from './queries/mappings.js';
import { getRateLimit, pauseAccount, reserveSlot } from './queries/rate-limits.js';
import { countRequest } from './queries/request-limits.js';
import { createApiToken, listApiTokens, revokeApiToken, useApiToken } from './queries/tokens.js';
import { countUsers, createUser, getUser, getUserByEmail, listUsers, setDisabled, setPassword, setRole } from './queries/users.js';
import { BACKENDS, beforeAllOrFail, createTarget } from './test-kit.js';
import type { TestTarget } from './test-kit.js';

describe.each(BACKENDS)('queries on %s', (kind) => {
  let target: TestTarget;
  let db: Database;

  beforeAllOrFail(async () => {
    target = await createTarget(kind);
    db = await target.open();
  });
  afterAll(async () => {
    await target?.cleanup();
  });

  it('audit: records in the caller transaction and pages newest first', async () => {
    await expect(
      db.transaction(async (tx) => {
        await recordAudit(tx, { actor: 'cli', action: 'upload.started', targetType: 'job', targetId: 'rolled-back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const first = await recordAudit(db, { actor: '1', action: 'destination.created', targetType: 'destination', targetId: 7, details: { name: 'TikTok EU', count: 2 } });
    expect(first).toMatchObject({ actor: '1', action: 'destination.created', targetType: 'destination', targetId: '7', details: { name: 'TikTok EU', count: 2 } });
    expect(typeof first.id).toBe('number');
    expect(first.at).toBeInstanceOf(Date);
    // Several entries in one transaction share a timestamp: the (at, id) cursor still pages through each once.
    await db.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) await recordAudit(tx, { actor: 'scheduler', action: 'sync.queued', targetType: 'schedule', targetId: i });
    });
    const all = await listAudit(db, { limit: 100 });
    expect(all.map((e) => e.targetId)).toEqual(['4', '3', '2', '1', '0', '7']);
    expect(all.some((e) => e.targetId === 'rolled-back')).toBe(false);
    const pages: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await listAudit(db, { limit: 2, before });
      if (page.length === 0) break;
      pages.push(...page.map((e) => e.targetId!));
      before = page.at(-1)!.id;
    }
    expect(pages).toEqual(all.map((e) => e.targetId));
    expect((await listAudit(db, { limit: 10, actor: '1' })).map((e) => e.id)).toEqual([first.id]);
    expect((await listAudit(db, { limit: 10, targetType: 'schedule', targetId: 3 })).length).toBe(1);
    expect(await listAudit(db, { limit: 0 })).toHaveLength(1);
  });

  it('destinations: insert, read, update, credentials kept out of lists, delete', async () => {
    const tiktok = await insertDestination(db, { platform: 'tiktok', name: 'TikTok main', account: '7000000000000000001', settings: { requestsPerSecond: 5 } });
    expect(tiktok).toMatchObject({ platform: 'tiktok', name: 'TikTok main', account: '7000000000000000001', sandbox: false, settings: { requestsPerSecond: 5 }, hasCredentials: false });
    const meta = await insertDestination(db, { platform: 'meta', name: 'Meta sandbox', account: '1000000000000001', sandbox: true });
    const duplicate = await insertDestination(db, { platform: 'meta', name: 'TikTok main', account: '1' }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(AuError);
    expect((duplicate as AuError).code).toBe('AU_ALREADY_EXISTS');

    expect(await getDestination(db, tiktok.id)).toEqual(tiktok);
    expect(await getDestinationByName(db, 'Meta sandbox')).toEqual(meta);
    expect(await getDestinationByName(db, 'nope')).toBeUndefined();
    expect((await listDestinations(db)).map((d) => d.name)).toEqual(['Meta sandbox', 'TikTok main']);
    expect((await listDestinations(db, { platform: 'meta' })).map((d) => d.id)).toEqual([meta.id]);

    const ciphertext = Buffer.from([0, 1, 2, 250, 255]);
    await putCredentials(db, tiktok.id, { ciphertext, envelope: { v: 1, iv: 'aXY=', tag: 'dGFn', wrappedKey: 'a2V5' }, keyId: 'k1' });
    let stored = await getCredentials(db, tiktok.id);
    expect(Buffer.isBuffer(stored!.ciphertext)).toBe(true);
    expect(stored!.ciphertext.equals(ciphertext)).toBe(true);
    expect(stored).toMatchObject({ destinationId: tiktok.id, envelope: { v: 1, iv: 'aXY=', tag: 'dGFn', wrappedKey: 'a2V5' }, keyId: 'k1' });
    // Rotation replaces the row.
    await putCredentials(db, tiktok.id, { ciphertext: new Uint8Array([9, 9]), envelope: { v: 1 }, keyId: 'k2' });
    stored = await getCredentials(db, tiktok.id);
    expect([...stored!.ciphertext]).toEqual([9, 9]);
    expect(stored!.keyId).toBe('k2');
    expect(stored!.rotatedAt.getTime()).toBeGreaterThanOrEqual(stored!.createdAt.getTime());
    expect(await listCredentialKeys(db)).toEqual([{ destinationId: tiktok.id, keyId: 'k2', rotatedAt: stored!.rotatedAt }]);

    const listed = await listDestinations(db);
    expect(listed.find((d) => d.id === tiktok.id)!.hasCredentials).toBe(true);
    expect(JSON.stringify(listed)).not.toMatch(/ciphertext|envelope|k2/);

    const renamed = await updateDestination(db, tiktok.id, { name: 'TikTok EU', settings: {} });
    expect(renamed).toMatchObject({ name: 'TikTok EU', account: '7000000000000000001', settings: {}, hasCredentials: true });
    expect(renamed!.updatedAt.getTime()).toBeGreaterThanOrEqual(tiktok.updatedAt.getTime());
    await expect(updateDestination(db, tiktok.id, { name: 'Meta sandbox' })).rejects.toMatchObject({ code: 'AU_ALREADY_EXISTS' });
    expect(await updateDestination(db, 999_999, { name: 'x' })).toBeUndefined();

    expect(await deleteCredentials(db, meta.id)).toBe(false);
    expect(await deleteDestination(db, tiktok.id)).toBe(true);
    expect(await deleteDestination(db, tiktok.id)).toBe(false);
    expect(await getCredentials(db, tiktok.id)).toBeUndefined();
  });

  it('audiences: upsert by platform id, find by name (ours first), snapshot', async () => {
    const dest = await insertDestination(db, { platform: 'tiktok', name: 'Audiences', account: '1' });
    const other = await upsertAudience(db, { destinationId: dest.id, platformAudienceId: '111', name: 'Foodies' });
    const ours = await upsertAudience(db, { destinationId: dest.id, platformAudienceId: '222', name: 'Foodies', typeName: 'EMAIL_SHA256', createdHere: true });
    expect(ours).toMatchObject({ destinationId: dest.id, platformAudienceId: '222', name: 'Foodies', typeName: 'EMAIL_SHA256', createdHere: true, lastSnapshot: null, lastSyncedAt: null });
    expect((await findAudiencesByName(db, dest.id, 'Foodies')).map((a) => a.platformAudienceId)).toEqual(['222', '111']);
    expect(await findAudiencesByName(db, dest.id, 'foodies')).toEqual([]);

    // Upserting again (a rename seen on the platform) keeps the id, the type and "created here".
    const again = await upsertAudience(db, { destinationId: dest.id, platformAudienceId: '222', name: 'Foodies 2' });
    expect(again).toMatchObject({ id: ours.id, name: 'Foodies 2', typeName: 'EMAIL_SHA256', createdHere: true });
    expect(await getAudienceByPlatformId(db, dest.id, '111')).toEqual(other);
    expect(await getAudienceByPlatformId(db, dest.id, '333')).toBeUndefined();

    const syncedAt = new Date('2026-01-02T03:04:05.678Z');
    const synced = await setAudienceSnapshot(db, ours.id, { path: 'snapshots/222/2026-01-02.parquet', syncedAt });
    expect(synced).toMatchObject({ lastSnapshot: 'snapshots/222/2026-01-02.parquet', lastSyncedAt: syncedAt });
    const now = await setAudienceSnapshot(db, other.id, { path: 'x' });
    expect(now!.lastSyncedAt).toBeInstanceOf(Date);
    expect(await getAudience(db, ours.id)).toEqual(synced);
    expect((await listAudiences(db, dest.id)).map((a) => a.name)).toEqual(['Foodies', 'Foodies 2']);
    expect(await deleteAudience(db, other.id)).toBe(true);
    // Audiences go with their destination.
    await deleteDestination(db, dest.id);
    expect(await getAudience(db, ours.id)).toBeUndefined();
  });

  it('users and API tokens', async () => {
    expect(await countUsers(db)).toBe(0);
    const admin = await createUser(db, { email: 'Admin@Example.com', passwordHash: '$argon2id$v=19$first', role: 'admin', mustChangePassword: true });
    expect(admin).toMatchObject({ email: 'Admin@Example.com', role: 'admin', mustChangePassword: true, disabledAt: null });
    expect(admin).not.toHaveProperty('passwordHash');
    await expect(createUser(db, { email: 'admin@example.COM', passwordHash: null, role: 'viewer' })).rejects.toMatchObject({ code: 'AU_ALREADY_EXISTS' });
    await expect(createUser(db, { email: 'x@example.com', passwordHash: null, role: 'root' as 'admin' })).rejects.toThrow(/check constraint/);
    const viewer = await createUser(db, { email: 'viewer@example.com', passwordHash: null, role: 'viewer' });

    const login = await getUserByEmail(db, ' ADMIN@example.com ');
    expect(login).toMatchObject({ id: admin.id, passwordHash: '$argon2id$v=19$first', mustChangePassword: true });
    expect(await getUserByEmail(db, 'nobody@example.com')).toBeUndefined();
    expect(await setPassword(db, admin.id, '$argon2id$v=19$second')).toBe(true);
    expect(await getUserByEmail(db, 'admin@example.com')).toMatchObject({ passwordHash: '$argon2id$v=19$second', mustChangePassword: false });
    expect(await setPassword(db, 999_999, 'x')).toBe(false);
    expect(await setRole(db, viewer.id, 'operator')).toBe(true);
    expect((await listUsers(db)).map((u) => [u.email, u.role])).toEqual([['Admin@Example.com', 'admin'], ['viewer@example.com', 'operator']]);
    expect(JSON.stringify(await listUsers(db))).not.toContain('argon2');
    expect(await countUsers(db)).toBe(2);

    const token = await createApiToken(db, { userId: viewer.id, tokenHash: 'a'.repeat(64), name: 'ci' });
    await createApiToken(db, { userId: viewer.id, tokenHash: 'b'.repeat(64), name: 'expired', expiresAt: new Date(Date.now() - 1000) });
    const used = await useApiToken(db, 'a'.repeat(64));
    expect(used).toMatchObject({ userId: viewer.id, role: 'operator', token: { id: token.id, name: 'ci' } });
    expect(used!.token.lastUsedAt).toBeInstanceOf(Date);
    expect(await useApiToken(db, 'b'.repeat(64))).toBeUndefined();
    expect(await useApiToken(db, 'c'.repeat(64))).toBeUndefined();
    expect((await listApiTokens(db, viewer.id)).map((t) => t.name)).toEqual(['ci', 'expired']);
    expect(await revokeApiToken(db, admin.id, token.id)).toBe(false);

    // Disabling a user revokes their tokens; enabling does not bring them back.
    expect(await setDisabled(db, viewer.id, true)).toBe(true);
    expect((await getUser(db, viewer.id))!.disabledAt).toBeInstanceOf(Date);
    expect(await useApiToken(db, 'a'.repeat(64))).toBeUndefined();
    await setDisabled(db, viewer.id, false);
    expect((await getUser(db, viewer.id))!.disabledAt).toBeNull();
    expect(await useApiToken(db, 'a'.repeat(64))).toBeUndefined();
    expect(await revokeApiToken(db, viewer.id, token.id)).toBe(false);
  });

  it('saved mappings by column layout and platform', async () => {
    const signature = columnsSignature(['phone', 'email', 'zip']);
    expect(signature).toBe(columnsSignature(['zip', 'email', 'phone']));
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(await getSavedMapping(db, signature, 'meta')).toBeUndefined();
    const saved = await saveMapping(db, signature, 'meta', { email: 'EMAIL', phone: 'PHONE' });
    const updated = await saveMapping(db, signature, 'meta', { email: 'EMAIL' });
    expect(updated).toMatchObject({ id: saved.id, mapping: { email: 'EMAIL' } });
    await saveMapping(db, signature, 'tiktok', { email: 'EMAIL' });
    expect(await getSavedMapping(db, signature, 'meta')).toEqual(updated);
  });

  it('rate limits: evenly spaced slots shared by all callers, and pauses', async () => {
    // Ten reservations at once (as from ten workers) get ten slots a second apart: each wait is a second more than
    // the previous one, less the time between the two reservations (at most the time they all took).
    const started = performance.now();
    const waits = await Promise.all(Array.from({ length: 10 }, () => reserveSlot(db, 'tiktok:1', 1000)));
    const elapsed = performance.now() - started;
    const sorted = [...waits].sort((a, b) => a - b);
    expect(sorted[0]).toBe(0);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(1000 - elapsed - 5);
      expect(sorted[i]! - sorted[i - 1]!).toBeLessThanOrEqual(1000 + 5);
    }

    await pauseAccount(db, 'meta:2', 5_000);
    const wait = await reserveSlot(db, 'meta:2', 20);
    expect(wait).toBeGreaterThan(4_500);
    expect(wait).toBeLessThanOrEqual(5_000);
    const state = await getRateLimit(db, 'meta:2');
    expect(state!.pausedUntil).toBeInstanceOf(Date);
    expect(state!.nextSlotAt.getTime()).toBeGreaterThan(state!.pausedUntil!.getTime());
    // A shorter pause does not shorten a longer one.
    await pauseAccount(db, 'meta:2', 10);
    expect((await getRateLimit(db, 'meta:2'))!.pausedUntil).toEqual(state!.pausedUntil);
  });

  it('request limits: concurrent requests each count once; a window over starts again', async () => {
    const counts = await Promise.all(Array.from({ length: 5 }, () => countRequest(db, 'login:a', 60_000)));
    expect(counts.map((c) => c.current).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const { ttl } of counts) {
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    expect((await countRequest(db, 'login:b', 60_000)).current).toBe(1);
    // A 300 ms window: over after 400 ms.
    expect((await countRequest(db, 'login:c', 300)).current).toBe(1);
    expect((await countRequest(db, 'login:c', 300)).current).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const again = await countRequest(db, 'login:c', 300);
    expect(again.current).toBe(1);
    expect(again.ttl).toBeGreaterThan(0);
  });
});
