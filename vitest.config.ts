import { defineConfig } from 'vitest/config';

// CLI tests start real processes over image files: give them time, and keep the number of
// concurrent test files to the machine's two cores.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    maxWorkers: 2,
    // Activation serves LVs over NBD; only the tests of kernel block devices (nbd-kernel) make them
    // (they set TSVM_NO_KERNEL_DEVICES to ''): no loop device or FUSE mount outlives another test.
    env: { TSVM_NO_KERNEL_DEVICES: '1' },
    minWorkers: 1,
  },
});
