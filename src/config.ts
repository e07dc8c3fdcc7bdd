import { resolve } from 'node:path';

/** Settings read from the environment; the CLI's options override them. */
export interface Config {
  /** Working data: spill files, later the embedded database and local storage. */
  dataDir: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return { dataDir: resolve(env.AU_DATA_DIR ?? './data') };
}
