import { Command, CommanderError } from 'commander';
import { AuError, isAuError } from '../errors.js';
import { registerDemo } from './commands/demo.js';
import { registerDiscover } from './commands/discover.js';
import { registerTransform } from './commands/transform.js';
import { registerUpload } from './commands/upload.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerWorker } from './commands/worker.js';
import { registerJobs } from './commands/jobs.js';
import { registerDestinations } from './commands/destinations.js';
import { registerSchedules } from './commands/schedules.js';
import { registerServe } from './commands/serve.js';
import { registerUsers } from './commands/users.js';
import { existsSync } from 'node:fs';

export function buildProgram(): Command {
  const program = new Command('audience-uploader')
    .description('Normalize, hash, dedupe and upload audience lists to ad platforms.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDiscover(program);
  registerTransform(program);
  registerUpload(program);
  registerSandbox(program);
  registerWorker(program);
  registerJobs(program);
  registerDestinations(program);
  registerSchedules(program);
  registerServe(program);
  registerUsers(program);
  registerDemo(program);
  return program;
}

/** Runs the CLI and returns the exit code; errors are printed as one clear line, never as a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    // Settings and credentials may come from a .env file; variables already set in the environment win.
    if (existsSync('.env')) process.loadEnvFile('.env');
    await program.parseAsync(argv);
    // A command that finished but wants a non-zero exit (e.g. nothing to upload) sets process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed help, version or the usage error.
    return error.exitCode;
  }
  if (isAuError(error)) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
    return 1;
  }
  const wrapped = new AuError('AU_INTERNAL', error instanceof Error ? error.message : String(error));
  process.stderr.write(`error ${wrapped.code}: ${wrapped.message}\n`);
  if (process.env.AU_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 2;
}
