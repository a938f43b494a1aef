import { defineConfig } from 'vitest/config';

// Three projects: `unit` (beside the code, no services), `console` (the console's components and
// hooks in jsdom) and `integration` (under test/, against the real services the test environment
// starts, including the browser tests of test/browser/ in Chromium against the built console).
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
          name: 'console',
          include: ['console/src/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['console/src/test-setup.ts'],
          // PatternFly's class-name modules import their CSS: let Vite load them, not Node.
          server: { deps: { inline: [/@patternfly\/react-styles/] } },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
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
