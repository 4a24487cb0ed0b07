import { defineConfig } from 'vitest/config';

// The tests start a real redis-server (Debian's): one file at a time.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
});
