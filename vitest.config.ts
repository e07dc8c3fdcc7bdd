import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // DuckDB uses both cores per query; more parallel files only thrash.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
