import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { listAudit } from '../db/queries/audit.js';
import { BACKENDS, beforeAllOrFail, createTarget, type TestTarget } from '../db/test-kit.js';
import { AuError } from '../errors.js';
import { createMasterKey, type MasterKey } from '../vault/master-key.js';
import { getSavedDestination, listDestinations, loadDestinationConfig, removeDestination, saveDestination } from './saved.js';

/** Saved destinations: credentials sealed in the vault, on PGlite and PostgreSQL. */

const tiktokToken = `tt-secret-${randomBytes(12).toString('hex')}`;
const metaToken = `meta-secret-${randomBytes(12).toString('hex')}`;
const metaAppSecret = `app-secret-${randomBytes(12).toString('hex')}`;
const SECRETS = [tiktokToken, metaToken, metaAppSecret];

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    expect(text).not.toContain(Buffer.from(secret).toString('hex'));
  }
}

async function rejection(promise: Promise<unknown>): Promise<AuError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuError);
    return error as AuError;
  }
  throw new Error('expected a rejection');
}

/** Every row of every table of our schema, as text; the ciphertext column separately. */
async function dumpDatabase(db: Database): Promise<{ text: string; ciphertexts: Buffer[] }> {
  const tables = await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
  let text = '';
  for (const { name } of tables) {
    const rows = await db.query<{ row: string }>(`SELECT (to_jsonb(t) - 'ciphertext')::text AS row FROM "${name}" t`);
    text += rows.map((row) => row.row).join('\n');
  }
  const ciphertexts = (await db.query<{ ciphertext: Uint8Array }>('SELECT ciphertext FROM destination_credentials')).map((row) => Buffer.from(row.ciphertext));
  return { text, ciphertexts };
}

describe.each(BACKENDS)('saved destinations on %s', (kind) => {
  let target: TestTarget;
  let db: Database;
  const master: MasterKey = createMasterKey(randomBytes(32));

  beforeAllOrFail(async () => {
    target = await createTarget(kind);
    db = await target.open();
  });
  afterAll(async () => {
    await target?.cleanup();
  });

  it('saves, lists, loads and removes, with the credentials sealed and never shown', async () => {
    const tiktok = await saveDestination(
      db,
      master,
      { platform: 'tiktok', name: 'TikTok main', credentials: { accessToken: tiktokToken, advertiserId: '7000000000000000001' }, settings: { baseUrl: 'http://127.0.0.1:4010' }, sandbox: true },
      { actor: 'test' },
    );
    const meta = await saveDestination(db, master, {
      platform: 'meta',
      name: 'Meta EU',
      credentials: { accessToken: ` ${metaToken} `, adAccountId: '1000000000000001', appSecret: metaAppSecret },
    });
    expect(tiktok).toMatchObject({ name: 'TikTok main', platform: 'tiktok', label: 'TikTok Ads', account: '7000000000000000001', sandbox: true, settings: { baseUrl: 'http://127.0.0.1:4010' } });
    expect(tiktok.credentials).toEqual([
      { key: 'accessToken', label: 'Access token', set: true },
      { key: 'advertiserId', label: 'Advertiser id', set: true, value: '7000000000000000001' },
    ]);

    const listed = await listDestinations(db);
    expect(listed.map((d) => d.name)).toEqual(['Meta EU', 'TikTok main']);
    expect(listed[0]!.credentials).toEqual([
      { key: 'accessToken', label: 'Access token', set: true },
      { key: 'adAccountId', label: 'Ad account id', set: true, value: '1000000000000001' },
      { key: 'appSecret', label: 'App secret (for appsecret_proof)', set: true },
    ]);
    expectNoSecret(JSON.stringify(listed));

    // By name and by id; settings get the definition's defaults; values are trimmed.
    const loaded = await loadDestinationConfig(db, master, 'TikTok main');
    expect(loaded.definition.platform).toBe('tiktok');
    expect(loaded.config).toEqual({
      credentials: { accessToken: tiktokToken, advertiserId: '7000000000000000001' },
      settings: { baseUrl: 'http://127.0.0.1:4010', requestsPerSecond: '10' },
    });
    expect((await loadDestinationConfig(db, master, meta.id)).config.credentials).toEqual({ accessToken: metaToken, adAccountId: '1000000000000001', appSecret: metaAppSecret });
    expect((await loadDestinationConfig(db, master, String(meta.id))).destination.name).toBe('Meta EU');

    // Every column but the ciphertext is free of secrets, and the ciphertext holds none in clear.
    const dump = await dumpDatabase(db);
    expect(dump.text).toContain('TikTok main');
    expectNoSecret(dump.text);
    expect(dump.ciphertexts).toHaveLength(2);
    for (const ciphertext of dump.ciphertexts) expectNoSecret(ciphertext.toString('latin1'));

    // A taken name is refused; --replace changes the credentials in place (same id).
    expect((await rejection(saveDestination(db, master, { platform: 'tiktok', name: 'TikTok main', credentials: { accessToken: 'x', advertiserId: '1' } }))).code).toBe('AU_ALREADY_EXISTS');
    const replaced = await saveDestination(db, master, { platform: 'tiktok', name: 'TikTok main', credentials: { accessToken: `${tiktokToken}-2`, advertiserId: '7000000000000000002' } }, { replace: true });
    expect(replaced.id).toBe(tiktok.id);
    expect(replaced.account).toBe('7000000000000000002');
    expect((await loadDestinationConfig(db, master, tiktok.id)).config.credentials.accessToken).toBe(`${tiktokToken}-2`);
    expect((await rejection(saveDestination(db, master, { platform: 'meta', name: 'TikTok main', credentials: { accessToken: 'x', adAccountId: '1' } }, { replace: true }))).code).toBe('AU_ALREADY_EXISTS');

    const removed = await removeDestination(db, 'TikTok main', { actor: 'test' });
    expect(removed.id).toBe(tiktok.id);
    expect((await listDestinations(db)).map((d) => d.name)).toEqual(['Meta EU']);
    expect(await db.query('SELECT 1 FROM destination_credentials WHERE destination_id = $1', [tiktok.id])).toEqual([]);
    expect((await rejection(loadDestinationConfig(db, master, 'TikTok main'))).code).toBe('AU_DESTINATION_NOT_FOUND');
    expect((await rejection(removeDestination(db, 'TikTok main'))).code).toBe('AU_DESTINATION_NOT_FOUND');

    const audit = await listAudit(db, { limit: 100, targetType: 'destination' });
    expect(audit.map((entry) => [entry.action, entry.actor]).reverse()).toEqual([
      ['destination.created', 'test'],
      ['destination.created', 'cli'],
      ['destination.updated', 'cli'],
      ['destination.removed', 'test'],
    ]);
    expectNoSecret(JSON.stringify(audit));
    await removeDestination(db, meta.id);
  });

  it('a wrong master key fails with AU_VAULT_KEY_MISMATCH naming the destination; a blob moved to another record does not open', async () => {
    const a = await saveDestination(db, master, { platform: 'tiktok', name: 'Key A', credentials: { accessToken: tiktokToken, advertiserId: '7000000000000000001' } });
    const b = await saveDestination(db, master, { platform: 'tiktok', name: 'Key B', credentials: { accessToken: 'other-token', advertiserId: '7000000000000000009' } });
    const mismatch = await rejection(loadDestinationConfig(db, createMasterKey(randomBytes(32)), 'Key A'));
    expect(mismatch.code).toBe('AU_VAULT_KEY_MISMATCH');
    expect(mismatch.message).toContain('"Key A"');
    expect(mismatch.message).toContain('AU_MASTER_KEY');
    expectNoSecret(mismatch.message);
    // Copy A's sealed credentials onto B: the AAD (the destination id) no longer matches.
    await db.query(
      `UPDATE destination_credentials b SET ciphertext = a.ciphertext, envelope = a.envelope, key_id = a.key_id
       FROM destination_credentials a WHERE a.destination_id = $1 AND b.destination_id = $2`,
      [a.id, b.id],
    );
    expect((await rejection(loadDestinationConfig(db, master, 'Key B'))).code).toBe('AU_VAULT_CORRUPT');
    await removeDestination(db, a.id);
    await removeDestination(db, b.id);
  });

  it('validates fields with the definition before storing anything, naming the field and never the value', async () => {
    const cases: [Parameters<typeof saveDestination>[2], string, RegExp][] = [
      [{ platform: 'tiktok', name: 'x', credentials: { advertiserId: '7000000000000000001' } }, 'AU_CREDENTIALS_MISSING', /Access token/],
      [{ platform: 'tiktok', name: 'x', credentials: { accessToken: tiktokToken, advertiserId: 'act_12' } }, 'AU_OPTION_INVALID', /Advertiser id .*numeric advertiser id/],
      [{ platform: 'meta', name: 'x', credentials: { accessToken: metaToken, adAccountId: 'act_1000' } }, 'AU_OPTION_INVALID', /without the act_ prefix/],
      [{ platform: 'meta', name: 'x', credentials: { accessToken: metaToken, adAccountId: '1' }, settings: { apiVersion: 'latest' } }, 'AU_OPTION_INVALID', /Graph API version/],
      [{ platform: 'meta', name: 'x', credentials: { accessToken: metaToken, adAccountId: '1', token: metaAppSecret } }, 'AU_OPTION_INVALID', /unknown credential "token"; use one of: accessToken, adAccountId, appSecret/],
      [{ platform: 'snap', name: 'x', credentials: {} }, 'AU_OPTION_INVALID', /unknown destination "snap"/],
      [{ platform: 'tiktok', name: '  ', credentials: { accessToken: tiktokToken, advertiserId: '1' } }, 'AU_OPTION_INVALID', /needs a name/],
      [{ platform: 'tiktok', name: '123', credentials: { accessToken: tiktokToken, advertiserId: '1' } }, 'AU_OPTION_INVALID', /only digits/],
    ];
    for (const [input, code, message] of cases) {
      const error = await rejection(saveDestination(db, master, input));
      expect([error.code, error.message]).toEqual([code, expect.stringMatching(message)]);
      expectNoSecret(error.message);
      expect(error.message).not.toContain('act_1');
    }
    expect(await listDestinations(db)).toEqual([]);
    expect((await rejection(getSavedDestination(db, 42))).message).toMatch(/no saved destination with id 42/);
  });
});
