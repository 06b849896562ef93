import { defineConfig } from 'vitest/config';

// Fault tier: what users live through (RBAC as the chart grants it, namespace deletion), against the same
// real servers as the integration tier; one file at a time.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 600_000,
    allowOnly: false,
  },
});
