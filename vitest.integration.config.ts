import { defineConfig } from 'vitest/config';

// One control plane and one Milvus Lite per run (globalSetup); files run one at a time on 2 cores,
// each in its own namespace and with its own collections. The lifecycle suite (test/lifecycle) runs here on
// Milvus Lite and in vitest.standalone.config.ts on the real Milvus 2.3.
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
