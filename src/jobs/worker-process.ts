import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A `bin/audience-uploader worker` child process, for crash and scale-out tests. */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnWorker(env: NodeJS.ProcessEnv): WorkerProcess {
  const bin = join(process.cwd(), 'bin', 'audience-uploader');
  const child = spawn(process.execPath, [bin, 'worker'], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
