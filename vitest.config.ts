import { defineConfig } from 'vitest/config';

// Two projects: `unit` (beside the code, no services) and `integration`
// (under test/, against the real services the test environment starts).
export default defineConfig({
  test: {
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{api,worker,controller,hack}/src/**/*.test.ts', 'hack/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // The services are shared by every file; run files one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
