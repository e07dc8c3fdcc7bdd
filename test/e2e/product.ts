import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const SCREENSHOTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');

/** The machine notes' flags: without the background-networking ones Chromium keeps dialling Google and is refused. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Builds the web app as `npm install` does, so the test never drives a stale build. */
export function buildWebApp(): void {
  const result = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build:web failed:\n${result.stdout}\n${result.stderr}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.AU_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The product as a newcomer runs it: `audience-uploader serve --sandbox` (what `npm start` runs), in a child process. */
export interface RunningProduct {
  url: string;
  sandboxUrl: string;
  adminEmail: string;
  /** The one-time password the first start printed. */
  adminPassword: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startProduct(env: NodeJS.ProcessEnv = {}): Promise<RunningProduct> {
  const dataDir = mkdtempSync(join(tmpdir(), 'au-e2e-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'audience-uploader'), 'serve', '--port', String(port), '--sandbox'], {
    cwd: REPO_ROOT,
    env: { ...process.env, AU_DATA_DIR: dataDir, DATABASE_URL: '', STORAGE_URL: '', AU_SANDBOX: 'on', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    const url = /running at (http:\/\/\S+)/.exec(output)?.[1];
    const sandboxUrl = /sandbox at (http:\/\/\S+)/.exec(output)?.[1];
    const email = /email:\s+(\S+)/.exec(output)?.[1];
    const password = /password:\s+(\S+)/.exec(output)?.[1];
    if (url && sandboxUrl && email && password) {
      return { url, sandboxUrl, adminEmail: email, adminPassword: password, dataDir, output: () => output, stop };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not start (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Saves a full-page screenshot as a test artifact: test-artifacts/screenshots/<name>.png. */
export async function snap(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
