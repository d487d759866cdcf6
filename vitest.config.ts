import { defineConfig } from 'vitest/config';

// CLI tests start real processes over image files: give them time, and keep the number of
// concurrent test files to the machine's two cores.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
