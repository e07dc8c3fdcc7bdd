import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import { openDatabase, type Database } from '../db/database.js';
import { bossDb } from '../db/boss.js';
import type { RetryPolicy } from '../destinations/http/caller.js';
import { openStorage, type Storage } from '../storage/storage.js';
import { loadMasterKey, type MasterKey } from '../vault/master-key.js';
import { QUEUES } from './spec.js';

/** Timing of the pipeline; tests shorten them, production keeps the defaults. */
export interface PipelineSettings {
  /** Batches one worker sends at once (the per-account rate limit sets the pace). */
  batchConcurrency: number;
  /** A batch whose worker went silent this long is given to another worker (crash recovery). */
  batchExpireSeconds: number;
  /** How often pg-boss looks for expired jobs. */
  maintenanceIntervalSeconds: number;
  pollingIntervalSeconds: number;
  /** Attempts of a batch or a preparation, counting crashes and exhausted transient retries. */
  retryLimit: number;
  retryDelaySeconds: number;
  /** Overrides of the HTTP retry policy (tests make backoff short). */
  retryPolicy?: Partial<RetryPolicy>;
  /** How often pg-boss checks schedules' cron expressions and sends what is due (pg-boss's default: 30 s; 1 to 45). */
  cronCheckIntervalSeconds?: number;
  /** How often the drop zone is scanned for new files (one worker scans at a time; see src/dropzone/watcher.ts). */
  dropzoneIntervalSeconds: number;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  batchConcurrency: 4,
  // A 50 MB TikTok file on a slow link, with its retries, stays well inside 15 minutes.
  batchExpireSeconds: 15 * 60,
  maintenanceIntervalSeconds: 60,
  pollingIntervalSeconds: 1,
  retryLimit: 8,
  retryDelaySeconds: 5,
  dropzoneIntervalSeconds: 10,
};

/** Everything a worker or a client of the pipeline needs: the database, the queue, the storage. */
export interface Runtime {
  db: Database;
  boss: PgBoss;
  storage: Storage;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  settings: PipelineSettings;
  /** Names this process in logs and in batch outcomes (`worker`), e.g. to prove two workers shared a job. */
  workerId: string;
  /** Retry and expiry of every message this process queues (pg-boss fixes them when a message is sent). */
  sendOptions: { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number };
  /**
   * The vault's master key (AU_MASTER_KEY, else `<dataDir>/master.key`, created on first use with a warning), loaded
   * once, when a job first needs a saved destination's credentials.
   */
  masterKey(): Promise<MasterKey>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  settings?: Partial<PipelineSettings>;
  /** Only workers run pg-boss maintenance (expiring the jobs of dead workers); clients just send. */
  supervise?: boolean;
}

/** Settings a deployment (or a test) tunes from the environment. */
export function pipelineSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<PipelineSettings> {
  const settings: Partial<Record<keyof PipelineSettings, number>> = {};
  const read = (name: string, key: Exclude<keyof PipelineSettings, 'retryPolicy'>) => {
    const value = env[name];
    if (value !== undefined && value !== '' && Number.isFinite(Number(value))) settings[key] = Number(value);
  };
  read('AU_WORKER_CONCURRENCY', 'batchConcurrency');
  read('AU_BATCH_EXPIRE_SECONDS', 'batchExpireSeconds');
  read('AU_QUEUE_MAINTENANCE_SECONDS', 'maintenanceIntervalSeconds');
  read('AU_QUEUE_POLLING_SECONDS', 'pollingIntervalSeconds');
  read('AU_JOB_RETRY_LIMIT', 'retryLimit');
  read('AU_JOB_RETRY_DELAY_SECONDS', 'retryDelaySeconds');
  read('AU_DROPZONE_INTERVAL_SECONDS', 'dropzoneIntervalSeconds');
  return settings as Partial<PipelineSettings>;
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const env = options.env ?? process.env;
  const settings = { ...DEFAULT_PIPELINE_SETTINGS, ...pipelineSettingsFromEnv(env), ...options.settings };
  const db = await openDatabase({ url: env.DATABASE_URL || undefined, dataDir: options.dataDir });
  try {
    const storage = await openStorage({ url: env.STORAGE_URL || undefined, dataDir: options.dataDir, env });
    // pg-boss completes a job without awaiting the query (manager.js onFetch), so its graceful stop can return
    // while that query still runs: the runtime waits for the queue's queries before closing the database.
    const pending = new Set<Promise<unknown>>();
    const direct = bossDb(db);
    const queueDb = {
      executeSql(text: string, values?: unknown[]) {
        const query = direct.executeSql(text, values);
        pending.add(query);
        void query.finally(() => pending.delete(query)).catch(() => undefined);
        return query;
      },
    };
    const boss = new PgBoss({
      db: queueDb,
      schema: 'pgboss',
      supervise: options.supervise ?? false,
      maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds,
      // Our own tables keep the history; pg-boss keeps finished jobs only briefly.
      archiveCompletedAfterSeconds: 3600,
      ...(settings.cronCheckIntervalSeconds ? { cronMonitorIntervalSeconds: settings.cronCheckIntervalSeconds, cronWorkerIntervalSeconds: settings.cronCheckIntervalSeconds } : {}),
      migrate: true,
    });
    boss.on('error', (error: Error) => process.stderr.write(`queue error: ${error.message}\n`));
    await boss.start();
    let masterKey: Promise<MasterKey> | undefined;
    const sendOptions = {
      retryLimit: settings.retryLimit,
      retryDelay: settings.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: settings.batchExpireSeconds,
    };
    for (const name of Object.values(QUEUES)) await ensureQueue(boss, name, sendOptions);
    return {
      db,
      boss,
      storage,
      dataDir: options.dataDir,
      env,
      settings,
      workerId: `${hostname()}:${process.pid}:${randomBytes(2).toString('hex')}`,
      sendOptions,
      masterKey() {
        if (!masterKey) {
          masterKey = loadMasterKey({ env, dataDir: options.dataDir, warn: (message) => process.stderr.write(`warning: ${message}\n`) });
          // A failure (a key file with loose permissions...) is not remembered: the next job tries again after the fix.
          masterKey.catch(() => (masterKey = undefined));
        }
        return masterKey;
      },
      async close() {
        // Graceful: handlers still running finish before the database closes under them.
        await boss.stop({ graceful: true, wait: true, close: false, timeout: 20_000 }).catch(() => undefined);
        while (pending.size > 0) await Promise.allSettled([...pending]);
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Creates a queue unless it exists. Processes starting at once race to create it: on PostgreSQL the loser can get
 * a deadlock or a unique violation before the winner commits, so look again a few times before giving up.
 */
async function ensureQueue(boss: PgBoss, name: string, options: Record<string, unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(name)) return;
    try {
      await boss.createQueue(name, { name, ...options });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 200));
    }
  }
}
