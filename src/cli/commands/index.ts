import type { Command } from 'commander';

/**
 * The CLI's commands, in the order `--help` lists them. A command's module is loaded only when that command runs:
 * together the modules load DuckDB, Fastify, PGlite and the AWS SDK, which took 1.5 s before even `--help` could
 * answer. Each `register` adds its command (arguments, options, subcommands, action) to the program; the
 * description lives here, so that the list needs no module.
 */
export interface CliCommand {
  name: string;
  description: string;
  load(): Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'discover',
    description: 'Describe the columns of CSV, JSON or Parquet input (files or folders, gzip or not): content, empty rate, masked samples, suggested identifier.',
    load: async () => (await import('./discover.js')).registerDiscover,
  },
  {
    name: 'transform',
    description: 'Normalize, hash and dedupe identifiers into upload-ready files plus report.json, without uploading.',
    load: async () => (await import('./transform.js')).registerTransform,
  },
  {
    name: 'upload',
    description: 'Transform and upload in one go: normalize, hash and dedupe, then send to the audience and report what the platform accepted.',
    load: async () => (await import('./upload.js')).registerUpload,
  },
  {
    name: 'sandbox',
    description: 'Run faithful fakes of the TikTok and Meta APIs on one port, for trying the product, tests and benchmarks.',
    load: async () => (await import('./sandbox.js')).registerSandbox,
  },
  {
    name: 'worker',
    description: 'Run a worker: prepare upload jobs and send their batches (PostgreSQL with DATABASE_URL, else the embedded database).',
    load: async () => (await import('./worker.js')).registerWorker,
  },
  {
    name: 'jobs',
    description: 'List, inspect, retry and cancel upload jobs.',
    load: async () => (await import('./jobs.js')).registerJobs,
  },
  {
    name: 'destinations',
    description: 'Saved destinations: platform accounts whose credentials are kept encrypted in the database (AES-256-GCM under the master key).',
    load: async () => (await import('./destinations.js')).registerDestinations,
  },
  {
    name: 'schedules',
    description: 'Saved dataset-to-audience syncs that run on a cron expression (workers run them: audience-uploader worker).',
    load: async () => (await import('./schedules.js')).registerSchedules,
  },
  {
    name: 'serve',
    description: 'Run the web app and the REST API (docs at /api/docs), with an in-process worker.',
    load: async () => (await import('./serve.js')).registerServe,
  },
  {
    name: 'users',
    description: 'Web app and API users: add, list, reset passwords, disable or enable (also the way back in if every admin is locked out).',
    load: async () => (await import('./users.js')).registerUsers,
  },
  {
    name: 'demo',
    description: 'Create a synthetic sample export in the data folder and upload it to the TikTok and Meta sandboxes.',
    load: async () => (await import('./demo.js')).registerDemo,
  },
];
