import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The worker's native bridge is not safe under worker threads; time skipping is global to one server.
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/globalSetup.ts'],
    setupFiles: ['test/setup.ts'],
    reporters: ['default', './test/summaryReporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
