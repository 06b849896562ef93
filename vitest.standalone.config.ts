import { defineConfig } from 'vitest/config';

// The standalone tier (`make test-milvus-standalone`, part of `make test`): the lifecycle suite (test/lifecycle)
// against the embedded REAL Milvus 2.3 standalone (PyPI `milvus`) instead of Milvus Lite. One control plane and one
// Milvus per run; files one at a time on 2 cores. Real index builds, loads and releases take seconds, hence the
// longer timeouts.
export default defineConfig({
  test: {
    include: ['test/standalone/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup-standalone.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 600_000,
    allowOnly: false,
  },
});
