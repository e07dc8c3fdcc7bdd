import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../jobs/runtime.js';

/** Opens the database, queue and storage for one command, and closes them whatever happens. */
export async function withRuntime<T>(fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const { dataDir } = loadConfig();
  const runtime = await openRuntime({ dataDir });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
