/**
 * bench:memory — peak resident memory of a transform on a big input (default 50 M rows), measured in a child
 * process so the figure is the transform's own. Goal: under 1 GB, whatever the input size, because DuckDB's
 * memory limit makes dedupe and sort spill to the data folder. Prints the peak against that goal and, as a
 * baseline from the same run, the peak of the same transform on a 10x smaller input.
 * Environment: BENCH_MEMORY_ROWS (default 50000000).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openEngine } from '../src/engine/duckdb.js';
import { writeSyntheticDataset } from '../src/testing/synthetic-dataset.js';

const rows = Number(process.env.BENCH_MEMORY_ROWS ?? 50_000_000);
const workDir = resolve('.bench');
const GOAL_BYTES = 1024 ** 3;

async function ensureInput(n: number): Promise<string> {
  const path = join(workDir, `synthetic-${n}.csv`);
  if (existsSync(path)) return path;
  mkdirSync(workDir, { recursive: true });
  console.log(`generating ${n.toLocaleString('en-US')} rows ...`);
  const engine = await openEngine({ tempDir: join(workDir, 'tmp') });
  await writeSyntheticDataset(engine, path, { rows: n, seed: 42 });
  engine.close();
  return path;
}

function measure(input: string): { seconds: number; peakBytes: number } {
  const outDir = join(workDir, 'memory-out');
  rmSync(outDir, { recursive: true, force: true });
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve('bench/memory-child.ts'), input, outDir, workDir],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  rmSync(outDir, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(`transform failed: ${child.stdout}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as { seconds: number; peakBytes: number };
}

const small = await ensureInput(Math.max(1, Math.round(rows / 10)));
const big = await ensureInput(rows);
const baseline = measure(small);
const result = measure(big);
const mb = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MB`;
console.log(`${(rows / 10).toLocaleString('en-US')} rows: peak RSS ${mb(baseline.peakBytes)} in ${baseline.seconds.toFixed(1)} s`);
console.log(`${rows.toLocaleString('en-US')} rows (${(statSync(big).size / 1e9).toFixed(2)} GB CSV): peak RSS ${mb(result.peakBytes)} in ${result.seconds.toFixed(1)} s`);
console.log(`ratio peak(big)/peak(small) = ${(result.peakBytes / baseline.peakBytes).toFixed(2)}; peak/1 GB goal = ${(result.peakBytes / GOAL_BYTES).toFixed(2)} ${result.peakBytes < GOAL_BYTES ? 'MET' : 'NOT MET'}`);
