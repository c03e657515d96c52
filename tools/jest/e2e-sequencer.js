/**
 * Jest's own test order, except that the test files that share a booted rehearsal (they call
 * `acquireMailRehearsal('<key>')`, `__tests__/support/shared-mail-rehearsal.ts`) run one after
 * the other, where the first of them would; and the plan of the shared rehearsals
 * (`shared-rehearsals.js`): how many files use each key.
 */
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;
const shared = require('./shared-rehearsals');

/** The shared system a test file acquires, if any: the key literal of its first call. */
const SHARED_KEY = /\bacquireMailRehearsal\(\s*['"]([^'"]+)['"]/;

/** The key of a test file's shared system, or null. */
const sharedKeyOf = (path) => SHARED_KEY.exec(readFileSync(path, 'utf8'))?.[1] ?? null;

/** `tests` in their order, with each key's files moved up to its first one. */
function groupByKey(tests, keyOf) {
  const grouped = [];
  const placed = new Set();
  for (const test of tests) {
    const key = keyOf(test);
    if (key === null) grouped.push(test);
    else if (!placed.has(key)) {
      placed.add(key);
      grouped.push(...tests.filter((t) => keyOf(t) === key));
    }
  }
  return grouped;
}

class SharedRehearsalSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const keys = new Map(sorted.map((t) => [t, sharedKeyOf(t.path)]));
    const uses = new Map();
    for (const key of keys.values()) if (key !== null) uses.set(key, (uses.get(key) ?? 0) + 1);
    shared.plan(uses);
    return groupByKey(sorted, (t) => keys.get(t));
  }
}

module.exports = SharedRehearsalSequencer;
module.exports.groupByKey = groupByKey;
