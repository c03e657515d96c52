/**
 * Jest reporter that ends a run with the totals on one line, `N passed, M failed`: the line CI
 * reads. It is written when the process exits, so it comes after Jest's own summary.
 */
const { writeSync } = require('node:fs');

class TotalsReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
    process.once('exit', () => writeSync(process.stdout.fd, line));
  }
}
module.exports = TotalsReporter;
