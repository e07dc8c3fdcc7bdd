import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import { openDatabase, type Database } from '../db/database.js';
import { bossDb } from '../db/boss.js';
import type { RetryPolicy } from '../destinations/http/caller.js';
import { openStorage, type Storage } from '../storage/storage.js';
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
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  batchConcurrency: 4,
  // A 50 MB TikTok file on a slow link, with its retries, stays well inside 15 minutes.
  batchExpireSeconds: 15 * 60,
  maintenanceIntervalSeconds: 60,
  pollingIntervalSeconds: 1,
  retryLimit: 8,
  retryDelaySeconds: 5,
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
  return settings as Partial<PipelineSettings>;
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const env = options.env ?? process.env;
  const settings = { ...DEFAULT_PIPELINE_SETTINGS, ...pipelineSettingsFromEnv(env), ...options.settings };
  const db = await openDatabase({ url: env.DATABASE_URL || undefined, dataDir: options.dataDir });
  try {
    const storage = await openStorage({ url: env.STORAGE_URL || undefined, dataDir: options.dataDir, env });
    const boss = new PgBoss({
      db: bossDb(db),
      schema: 'pgboss',
      supervise: options.supervise ?? false,
      maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds,
      // Our own tables keep the history; pg-boss keeps finished jobs only briefly.
      archiveCompletedAfterSeconds: 3600,
      migrate: true,
    });
    boss.on('error', (error: Error) => process.stderr.write(`queue error: ${error.message}\n`));
    await boss.start();
    const sendOptions = {
      retryLimit: settings.retryLimit,
      retryDelay: settings.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: settings.batchExpireSeconds,
    };
    for (const name of Object.values(QUEUES)) {
      // Two processes starting at once may both find the queue missing; the loser's error is harmless.
      if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, ...sendOptions }).catch(async (error: unknown) => {
        if (!(await boss.getQueue(name))) throw error;
      });
    }
    return {
      db,
      boss,
      storage,
      dataDir: options.dataDir,
      env,
      settings,
      workerId: `${hostname()}:${process.pid}:${randomBytes(2).toString('hex')}`,
      sendOptions,
      async close() {
        await boss.stop({ graceful: false, wait: true, close: false }).catch(() => undefined);
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
