/**
 * Two projects, each test file in exactly one:
 * - unit: test/unit, pure code only (no database, Temporal, SMTP server or network), no global
 *   set-up, so `npm run test:unit` answers in seconds;
 * - integration: everything else, against real parts: a Postgres server, a Temporal dev server
 *   started once by globalSetup, and SMTP servers the tests start themselves.
 * `npm test` runs both. Type errors in tests are caught by `npm run typecheck` (tsconfig includes
 * test/); ts-jest only transpiles (isolatedModules), which keeps a run fast.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

module.exports = {
  testTimeout: 120000,
  maxWorkers: 2,
  verbose: true,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform,
    },
    {
      displayName: 'integration',
      rootDir: __dirname,
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
