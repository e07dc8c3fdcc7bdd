/**
 * bench:transform — our full transform against two baselines on the same seeded, messy 5 M-row file, run
 * alternately in one process so machine noise hits all of them alike. Prints rows/s and ratios:
 *   target 1: our full rules take no longer than the naive DuckDB SQL (ratio ours/naive <= 1.0)
 *   target 2: our full rules take at least 4 times less than Python's standard library (python/ours >= 4.0)
 * Also prints the CPU seconds (user + system, every thread of this process) of ours and of the naive SQL: on a
 * shared machine they vary less than wall time, and say whether a gap is work or waiting.
 * Environment: BENCH_ROWS (default 5000000), BENCH_ROUNDS (default 3), BENCH_PYTHON_ROUNDS (default 1).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openEngine, sqlString } from '../src/engine/duckdb.js';
import { BENCH_MAPPINGS, writeSyntheticDataset } from '../src/testing/synthetic-dataset.js';
import { transform, type TransformStage } from '../src/transform/transform.js';

const rows = Number(process.env.BENCH_ROWS ?? 5_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const pythonRounds = Number(process.env.BENCH_PYTHON_ROUNDS ?? 1);
const workDir = resolve('.bench');
const input = join(workDir, `synthetic-${rows}.csv`);
const scratch = join(workDir, 'scratch');


async function ensureInput(): Promise<void> {
  mkdirSync(workDir, { recursive: true });
  if (existsSync(input)) return;
  process.stdout.write(`generating ${rows.toLocaleString('en-US')} rows into ${input} ... `);
  const engine = await openEngine({ tempDir: join(workDir, 'tmp') });
  await writeSyntheticDataset(engine, input, { rows, seed: 42 });
  engine.close();
  process.stdout.write(`${(statSync(input).size / 1e6).toFixed(0)} MB\n`);
}

/** Seconds of each stage of our last run (reading, normalizing, counting, writing), for the round's line. */
let lastStages = '';

const cpu = { ours: [] as number[], naive: [] as number[] };
/** Runs `work` and records the CPU seconds this process spent meanwhile (DuckDB's and the workers' threads too). */
async function withCpu<T>(into: number[], work: () => Promise<T>): Promise<T> {
  const before = process.cpuUsage();
  try {
    return await work();
  } finally {
    const used = process.cpuUsage(before);
    into.push((used.user + used.system) / 1e6);
  }
}

async function timeOurs(round: number): Promise<number> {
  const outDir = join(scratch, `ours-${round}`);
  rmSync(outDir, { recursive: true, force: true });
  const start = performance.now();
  const stages: string[] = [];
  let stage: { name: string; at: number } | undefined;
  const onStage = (name: TransformStage) => {
    const now = performance.now();
    if (stage) stages.push(`${stage.name} ${((now - stage.at) / 1000).toFixed(2)}`);
    stage = { name, at: now };
  };
  await transform({ inputs: [input], destination: 'meta', mappings: [...BENCH_MAPPINGS], outDir, dataDir: workDir, defaultCountry: 'US', onStage });
  const seconds = (performance.now() - start) / 1000;
  lastStages = stages.join(', ');
  rmSync(outDir, { recursive: true, force: true });
  return seconds;
}

async function timeNaiveSql(): Promise<number> {
  const output = join(scratch, 'naive.csv');
  const engine = await openEngine({ tempDir: join(workDir, 'tmp') });
  const start = performance.now();
  const text = (c: string) => `sha256(lower(trim(${c})))`;
  await engine.run(
    `COPY (SELECT DISTINCT ${text('email')}, sha256(regexp_replace(phone, '[^0-9]', '', 'g')), ${text('first_name')}, ` +
      `${text('last_name')}, ${text('zip')}, ${text('country')} FROM read_csv(${sqlString(input)}, all_varchar = true)) ` +
      `TO ${sqlString(output)} (FORMAT csv)`,
  );
  const seconds = (performance.now() - start) / 1000;
  engine.close();
  rmSync(output, { force: true });
  return seconds;
}

function timePython(): number {
  const output = join(scratch, 'python.csv');
  const start = performance.now();
  const result = spawnSync('python3', [resolve('bench/baseline_transform.py'), input, output], { stdio: 'inherit' });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error('python baseline failed');
  rmSync(output, { force: true });
  return seconds;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

await ensureInput();
mkdirSync(scratch, { recursive: true });
const times = { ours: [] as number[], naive: [] as number[], python: [] as number[] };
for (let round = 1; round <= rounds; round++) {
  times.ours.push(await withCpu(cpu.ours, () => timeOurs(round)));
  times.naive.push(await withCpu(cpu.naive, () => timeNaiveSql()));
  if (round <= pythonRounds) times.python.push(timePython());
  const last = (a: number[]) => (a.length ? `${a[a.length - 1]!.toFixed(2)} s` : '-');
  console.log(`round ${round}: ours ${last(times.ours)}, naive SQL ${last(times.naive)}, python ${round <= pythonRounds ? last(times.python) : '-'}`);
  console.log(`  CPU seconds: ours ${cpu.ours[cpu.ours.length - 1]!.toFixed(1)}, naive SQL ${cpu.naive[cpu.naive.length - 1]!.toFixed(1)}`);
  console.log(`  ours by stage (s): ${lastStages}`);
}

const ours = median(times.ours);
const naive = median(times.naive);
const python = median(times.python);
const rate = (s: number) => `${Math.round(rows / s).toLocaleString('en-US')} rows/s`;
console.log(`\n${rows.toLocaleString('en-US')} rows, columns email, phone, first_name, last_name, zip, country (medians)`);
console.log(`ours (full Meta rules, dedupe, hash, split, MD5): ${ours.toFixed(2)} s  ${rate(ours)}`);
console.log(`naive DuckDB SQL:                                 ${naive.toFixed(2)} s  ${rate(naive)}`);
console.log(`python stdlib:                                    ${python.toFixed(2)} s  ${rate(python)}`);
const oursOverNaive = ours / naive;
const pythonOverOurs = python / ours;
console.log(`ratio ours/naive  = ${oursOverNaive.toFixed(2)} (target <= 1.00) ${oursOverNaive <= 1 ? 'MET' : 'NOT MET'}`);
console.log(`ratio python/ours = ${pythonOverOurs.toFixed(2)} (target >= 4.00) ${pythonOverOurs >= 4 ? 'MET' : 'NOT MET'}`);
console.log(`CPU seconds (medians): ours ${median(cpu.ours).toFixed(1)}, naive SQL ${median(cpu.naive).toFixed(1)}, ratio ${(median(cpu.ours) / median(cpu.naive)).toFixed(2)}`);
rmSync(scratch, { recursive: true, force: true });
