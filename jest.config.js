/** Jest runs TypeScript through @swc/jest (about ten times faster than ts-jest here). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  reporters: ['default', '<rootDir>/tools/totals-reporter.js'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
};
