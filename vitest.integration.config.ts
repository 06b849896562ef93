import { defineConfig } from 'vitest/config';

// One control plane and one Milvus Lite per run (globalSetup); files run one at a time on 2 cores,
// each in its own namespace and with its own collections.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    allowOnly: false,
  },
});
