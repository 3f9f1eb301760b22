import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: true,
    maxWorkers: 2,
    // Tests provoke failures on purpose; set TEST_LOG_LEVEL=warn to see their logs.
    env: { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' },
  },
});
