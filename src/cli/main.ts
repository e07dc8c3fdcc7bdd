import { Command, CommanderError } from 'commander';
import { existsSync } from 'node:fs';
import { AuError, isAuError } from '../errors.js';
import { COMMANDS } from './commands/index.js';

/**
 * The program for `argv`: every command listed with its description, and the one `argv` names (also as
 * `help <command>`) loaded in full. The others stay a name and a description, which is all the help list needs.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('audience-uploader')
    .description('Normalize, hash, dedupe and upload audience lists to ad platforms.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const named = commandNamed(argv);
  for (const command of COMMANDS) {
    if (command.name === named) {
      (await command.load())(program);
      program.commands.find((c) => c.name() === command.name)!.description(command.description);
    } else {
      program.command(command.name).description(command.description);
    }
  }
  return program;
}

/** The command `argv` (node, script, arguments) names: its first argument that is not an option, or the one after `help`. */
function commandNamed(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** Runs the CLI and returns the exit code; errors are printed as one clear line, never as a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    // Settings and credentials may come from a .env file; variables already set in the environment win. Loaded
    // first: some option defaults (serve's PORT and HOST) read the environment.
    if (existsSync('.env')) process.loadEnvFile('.env');
    const program = await buildProgram(argv);
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
