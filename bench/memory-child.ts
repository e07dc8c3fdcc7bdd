// Runs one transform and prints its wall time and the process's peak resident memory as JSON.
import { performance } from 'node:perf_hooks';
import { transform } from '../src/transform/transform.js';

const [input, outDir, dataDir] = process.argv.slice(2) as [string, string, string];
const start = performance.now();
await transform({
  inputs: [input],
  destination: 'meta',
  mappings: [
    { column: 'email', type: 'EMAIL' },
    { column: 'phone', type: 'PHONE' },
    { column: 'first_name', type: 'FN' },
    { column: 'last_name', type: 'LN' },
    { column: 'zip', type: 'ZIP' },
    { column: 'country', type: 'COUNTRY' },
  ],
  outDir,
  dataDir,
  defaultCountry: 'US',
});
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ seconds, peakBytes: process.resourceUsage().maxRSS * 1024 }));
