/**
 * Jest runs TypeScript through @swc/jest (about ten times faster than ts-jest here).
 *
 * Three projects, fastest first (`npm run test:unit` runs the first alone):
 * - unit: renderers, config validation, synthesized JSON, scripts run on scratch files; no root,
 *   no containers, seconds;
 * - root: needs root on this machine but boots nothing (loop devices, mount namespaces); a suite
 *   is one when its file name ends in `.root.test.ts`;
 * - e2e: boots the rehearsal's hosts (`*.e2e.test.ts`), minutes each. Suites that boot the same
 *   mail system share one boot in a run in band (tools/jest/shared-rehearsals.js): the sequencer
 *   runs them one after the other, the environment hands them the running system, and the global
 *   teardown stops what is left.
 */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };
const project = (displayName, testMatch, testPathIgnorePatterns = [], extra = {}) => ({
  displayName,
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch,
  testPathIgnorePatterns: ['/node_modules/', ...testPathIgnorePatterns],
  transform,
  ...extra,
});

module.exports = {
  reporters: ['default', '<rootDir>/tools/totals-reporter.js'],
  testSequencer: '<rootDir>/tools/jest/e2e-sequencer.js',
  projects: [
    project('unit', ['**/*.test.ts'], ['\\.root\\.test\\.ts$', '\\.e2e\\.test\\.ts$']),
    project('root', ['**/*.root.test.ts']),
    project('e2e', ['**/*.e2e.test.ts'], [], {
      testEnvironment: '<rootDir>/tools/jest/e2e-environment.js',
      globalTeardown: '<rootDir>/tools/jest/e2e-global-teardown.js',
      // The environment's global (the shared rehearsals) outlives a test file on purpose.
      testEnvironmentOptions: { globalsCleanup: 'off' },
    }),
  ],
};
