// Runs one transform and prints its wall time and the process's peak resident memory as JSON.
import { performance } from 'node:perf_hooks';
import { BENCH_MAPPINGS } from '../src/testing/synthetic-dataset.js';
import { transform } from '../src/transform/transform.js';

const [input, outDir, dataDir] = process.argv.slice(2) as [string, string, string];
const start = performance.now();
await transform({
  inputs: [input],
  destination: 'meta',
  mappings: [...BENCH_MAPPINGS],
  outDir,
  dataDir,
  defaultCountry: 'US',
  memoryLimit: process.env.BENCH_MEMORY_LIMIT,
});
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ seconds, peakBytes: process.resourceUsage().maxRSS * 1024 }));
