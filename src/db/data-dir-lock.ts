import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AuError } from '../errors.js';

/** Lock files this process holds: a lock naming our own pid but not in here is left over from an earlier run. */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): { pid: number; host: string } | undefined {
  try {
    const [pid, host] = readFileSync(path, 'utf8').trim().split('@');
    const parsed = Number(pid);
    return Number.isInteger(parsed) && parsed > 0 ? { pid: parsed, host: host ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PGlite is one Postgres inside this process: a second process opening the same folder would corrupt it. The lock
 * file (`<pid>@<host>`) is created exclusively; a lock whose process is gone (a crash, or a container restart that
 * reuses our pid) is taken over. Returns the release function; the lock is also removed when the process exits.
 */
export async function lockDataDir(lockPath: string, dbDir: string): Promise<() => void> {
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (held.has(lockPath)) {
      throw new AuError('AU_DB_UNAVAILABLE', `The embedded database in ${dbDir} is already open in this process; share that connection instead of opening it twice`, { path: dbDir });
    }
    try {
      writeFileSync(lockPath, me, { flag: 'wx' });
      held.add(lockPath);
      const onExit = (): void => release();
      const release = (): void => {
        if (!held.delete(lockPath)) return;
        process.off('exit', onExit);
        try {
          if (readFileSync(lockPath, 'utf8') === me) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.on('exit', onExit);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AuError('AU_DB_UNAVAILABLE', `Cannot create the lock file ${lockPath}: ${(error as Error).message}`, { path: lockPath }, { cause: error });
      }
    }
    const owner = readOwner(lockPath);
    const sameHost = owner !== undefined && (owner.host === '' || owner.host === hostname());
    const stale = owner === undefined || (sameHost && (owner.pid === process.pid || !isAlive(owner.pid)));
    if (!stale) {
      const who = sameHost ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.host}`;
      throw new AuError(
        'AU_DB_UNAVAILABLE',
        `The embedded database in ${dbDir} is in use by ${who}. The embedded database serves one process; stop the other one, or set DATABASE_URL to a PostgreSQL database to run several. If no other process uses it, delete ${lockPath}.`,
        { path: dbDir, pid: owner.pid },
      );
    }
    try {
      unlinkSync(lockPath);
    } catch {
      // another process took it over first; the next attempt sees its lock
    }
  }
  throw new AuError('AU_DB_UNAVAILABLE', `Cannot take the lock ${lockPath} on the embedded database`, { path: lockPath });
}
