import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getDestinationByName } from '../db/queries/destinations.js';
import { markAudienceIdsStale, unfinishedJobsOfDestinations } from '../db/queries/jobs.js';
import { accountKey } from '../destinations/config.js';
import { saveDestination, type SavedDestination } from '../destinations/saved.js';
import { engineTempDir, openEngine } from '../engine/duckdb.js';
import { isAuError } from '../errors.js';
import { cancelJob } from '../jobs/client.js';
import type { Runtime } from '../jobs/runtime.js';
import { SANDBOX_CREDENTIALS, createSandboxServer, type SandboxServer } from '../sandbox/server.js';
import { writeSyntheticDataset } from '../testing/synthetic-dataset.js';

/** Where the demo's synthetic sample export is put in storage, for the wizard to pick. */
export const SAMPLE_KEY = 'samples/audience-sample.csv';
export const SAMPLE_ROWS = 20_000;
export const SANDBOX_DESTINATION_NAMES = { tiktok: 'TikTok Sandbox', meta: 'Meta Sandbox' } as const;
/** The audit log's actor for what the demo set-up does. */
const ACTOR = 'sandbox-demo';

export interface SandboxDemo {
  /** Where both platform sandboxes answer (TikTok and Meta at their real paths). */
  baseUrl: string;
  server: SandboxServer;
  /** The saved destinations pointing at the sandbox (absent: a real destination already had that name). */
  destinations: Partial<Record<'tiktok' | 'meta', SavedDestination>>;
  close(): Promise<void>;
}

/**
 * The demo of `npm start`: both platform sandboxes in this process on a free port (`AU_SANDBOX_PORT` to choose
 * one), the saved destinations "TikTok Sandbox" and "Meta Sandbox" pointing at them with the sandboxes' built-in
 * credentials (sealed in the vault like any others; updated on every start, since the port changes), and a
 * synthetic sample export at `samples/audience-sample.csv` in storage (20,000 rows, seed 7; written once).
 * `AU_SANDBOX=off` turns it off (null).
 *
 * The sandbox forgets its audiences when the process stops, and numbers new ones from the same start: the audience
 * ids remembered from an earlier run are marked stale (an upload by name creates the audience anew instead of
 * sending to an id that now names another audience), and unfinished jobs to the sandbox destinations, which
 * cannot continue, are cancelled.
 */
export async function startSandboxDemo(runtime: Runtime, options: { env: NodeJS.ProcessEnv; log?: (line: string) => void }): Promise<SandboxDemo | null> {
  const { env } = options;
  if (env.AU_SANDBOX === 'off') return null;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const server = await createSandboxServer();
  let baseUrl: string;
  try {
    const port = Number(env.AU_SANDBOX_PORT ?? 0);
    baseUrl = await server.listen(Number.isInteger(port) && port >= 0 ? port : 0);
    const destinations = await saveSandboxDestinations(runtime, baseUrl, log);
    await forgetSandboxState(runtime, Object.values(destinations));
    await writeSample(runtime, log);
    return { baseUrl, server, destinations, close: () => server.close() };
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  }
}

async function saveSandboxDestinations(runtime: Runtime, baseUrl: string, log: (line: string) => void): Promise<SandboxDemo['destinations']> {
  const master = await runtime.masterKey();
  const wanted = [
    {
      platform: 'tiktok' as const,
      credentials: { accessToken: SANDBOX_CREDENTIALS.tiktok.accessToken, advertiserId: SANDBOX_CREDENTIALS.tiktok.advertiserId },
    },
    {
      platform: 'meta' as const,
      credentials: { accessToken: SANDBOX_CREDENTIALS.meta.accessToken, adAccountId: SANDBOX_CREDENTIALS.meta.adAccountId },
    },
  ];
  const saved: SandboxDemo['destinations'] = {};
  for (const { platform, credentials } of wanted) {
    const name = SANDBOX_DESTINATION_NAMES[platform];
    const existing = await getDestinationByName(runtime.db, name);
    if (existing && (!existing.sandbox || existing.platform !== platform)) {
      // Someone saved a real destination under this name: never point it at the sandbox.
      log(`sandbox demo: the destination "${name}" is not a ${platform} sandbox destination; left as it is`);
      continue;
    }
    saved[platform] = await saveDestination(
      runtime.db,
      master,
      { platform, name, credentials, settings: { baseUrl }, sandbox: true },
      { actor: ACTOR, replace: true },
    );
  }
  return saved;
}

async function forgetSandboxState(runtime: Runtime, destinations: readonly SavedDestination[]): Promise<void> {
  for (const destination of destinations) {
    await markAudienceIdsStale(runtime.db, destination.platform, accountKey(destination.platform, destination.account));
  }
  const unfinished = await unfinishedJobsOfDestinations(runtime.db, destinations.map((destination) => destination.id));
  for (const jobId of unfinished) {
    try {
      await cancelJob(runtime, jobId, ACTOR, { reason: 'the sandbox restarted and forgot its audiences' });
    } catch (error) {
      // Finished meanwhile.
      if (!isAuError(error)) throw error;
    }
  }
}

async function writeSample(runtime: Runtime, log: (line: string) => void): Promise<void> {
  if ((await runtime.storage.stat(SAMPLE_KEY)) !== null) return;
  const dir = mkdtempSync(join(runtime.dataDir, 'tmp-sample-'));
  try {
    const path = join(dir, 'audience-sample.csv');
    const engine = await openEngine({ tempDir: engineTempDir(runtime.dataDir) });
    try {
      await writeSyntheticDataset(engine, path, { rows: SAMPLE_ROWS, seed: 7 });
    } finally {
      engine.close();
    }
    await runtime.storage.writeFile(SAMPLE_KEY, path);
    log(`sandbox demo: wrote a synthetic sample export (${SAMPLE_ROWS.toLocaleString('en-US')} rows) at ${SAMPLE_KEY} in storage`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
