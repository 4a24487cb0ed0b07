import { defineConfig } from 'vitest/config';

// The tests start a real PostgreSQL and real child processes: one file at a time, so two servers
// never compete for the machine's two cores.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
});
