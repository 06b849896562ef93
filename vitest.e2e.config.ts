import { defineConfig } from 'vitest/config';

// kind e2e: a kind cluster, the image, the Helm chart and an in-cluster Milvus. Skips (printing why)
// where no Docker engine is reachable; one file at a time, long timeouts (image pulls, cluster start).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    allowOnly: false,
  },
});
