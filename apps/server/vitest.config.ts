import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One file at a time: the reliability suite's figures (health latency under a flood, kill
    // timings) would otherwise measure the other test files competing for the two cores.
    fileParallelism: false,
  },
});
