import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // end-to-end tests spend much of their time waiting for the CLI processes they start: two test files at a time
    // even on two cores (the default leaves one core idle)
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
  },
});
