/**
 * Jest runs TypeScript through @swc/jest (about ten times faster than ts-jest here).
 *
 * Three projects, fastest first (`npm run test:unit` runs the first alone):
 * - unit: renderers, config validation, synthesized JSON, scripts run on scratch files; no root,
 *   no containers, seconds;
 * - root: needs root on this machine but boots nothing (loop devices, mount namespaces); a suite
 *   is one when its file name ends in `.root.test.ts`;
 * - e2e: boots the rehearsal's hosts (`*.e2e.test.ts`), minutes each.
 */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] };
const project = (displayName, testMatch, testPathIgnorePatterns = []) => ({
  displayName,
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch,
  testPathIgnorePatterns: ['/node_modules/', ...testPathIgnorePatterns],
  transform,
});

module.exports = {
  reporters: ['default', '<rootDir>/tools/totals-reporter.js'],
  projects: [
    project('unit', ['**/*.test.ts'], ['\\.root\\.test\\.ts$', '\\.e2e\\.test\\.ts$']),
    project('root', ['**/*.root.test.ts']),
    project('e2e', ['**/*.e2e.test.ts']),
  ],
};
