import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from './commands/index.js';
import { buildProgram, main } from './main.js';

/** Runs the CLI in this process and returns its exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const code = await main(['node', 'audience-uploader', ...args]);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe('CLI commands', () => {
  it('lists every command with its description in --help, loading none of them', async () => {
    const program = await buildProgram(['node', 'audience-uploader', '--help']);
    // Unloaded commands are a name and a description: no options, arguments or subcommands.
    expect(program.commands.map((c) => [c.name(), c.description(), c.options.length + c.registeredArguments.length + c.commands.length])).toEqual(
      COMMANDS.map((c) => [c.name, c.description, 0]),
    );
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command.name} `, 'm'));
  });

  it.each(COMMANDS.map((c) => c.name))('%s: `<command> --help` and `help <command>` show it in full', async (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const loaded = (await buildProgram(['node', 'audience-uploader', name])).commands.find((c) => c.name() === name)!;
    expect(loaded.description()).toBe(command.description);
    // Loaded, a command runs something or has subcommands (commander keeps the action in a private field).
    const action = (loaded as unknown as { _actionHandler?: unknown })._actionHandler;
    expect(typeof action === 'function' || loaded.commands.length > 0).toBe(true);
    const words = (text: string) => text.replace(/\s+/g, ' ');
    const { code, stdout } = await cli(name, '--help');
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: audience-uploader ${name} [options]`);
    expect(words(stdout)).toContain(words(command.description));
    expect((await cli('help', name)).stdout).toBe(stdout);
  });

  it('names an unknown command and suggests the nearest one', async () => {
    const { code, stderr } = await cli('transfrom', 'in.csv');
    expect(code).toBe(1);
    expect(stderr).toContain("unknown command 'transfrom'");
    expect(stderr).toContain('Did you mean transform?');
  });
});
