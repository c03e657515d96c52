/**
 * Jest environment of the e2e project: Node's, plus the shared rehearsals (`shared-rehearsals.js`)
 * as the global `__mirovoySharedRehearsals`, which `__tests__/support/shared-mail-rehearsal.ts`
 * reads. It loads that module with Node's require, outside the test file's module registry, so
 * every test file of the process sees the same one. A failed test or hook taints what the file
 * holds; at the file's end it stops what the file did not release.
 */
const { TestEnvironment } = require('jest-environment-node');
const shared = require('./shared-rehearsals');

class E2eEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__mirovoySharedRehearsals = shared;
  }

  /** Jest circus events: a failing test body or hook. */
  handleTestEvent(event) {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') shared.taintHeld();
  }

  async teardown() {
    try {
      await shared.endOfFile();
    } finally {
      await super.teardown();
    }
  }
}

module.exports = E2eEnvironment;
