import { defineConfig } from 'vitest/config';

// Fault tier (`make test-faults`, part of `make test`): restarts, failovers, RBAC as granted and bad input,
// against the same real servers as the integration tier (one control plane and one Milvus Lite per run).
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 900_000,
    allowOnly: false,
  },
});
