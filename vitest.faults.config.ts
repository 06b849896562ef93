import { defineConfig } from 'vitest/config';

// The fault tier: bad input and failures against the same real servers as the integration tier
// (one control plane and one Milvus Lite per run), one file at a time on 2 cores.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    allowOnly: false,
  },
});
