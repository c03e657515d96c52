/**
 * Booted rehearsals shared between the e2e suites of one Jest process, by key.
 *
 * Jest gives each test file a module registry of its own, so a suite cannot keep a booted system
 * for the next one; this module is loaded with Node's require by the test sequencer, the e2e
 * environment and the e2e global teardown instead. In a run in band (one worker, as on the 2-core
 * CI machine, or `--runInBand`) they are one process and see one instance of it. In a worker
 * process the sequencer planned nothing (it ran in the parent), so there each suite boots and
 * stops its own, as without sharing.
 *
 * - `plan` (the sequencer): how many test files of the run use each key; it also puts them next
 *   to each other, so a shared system never waits idle while another one boots.
 * - `acquire` (a suite's beforeAll): the key's running system, or a boot of it; idle systems of
 *   other keys are stopped first.
 * - `release` (a suite's afterAll): the last planned user stops it (a reference count over the
 *   run, not over the suites alive at once: in band there is never more than one).
 * - `taintHeld` (the environment, on a failed test or hook): what the running file holds is
 *   stopped on release, and the next suite boots afresh, so a suite never inherits a system that
 *   a failure left in an unknown state.
 * - `endOfFile` (the environment's teardown) and `stopAll` (the global teardown): stop what a
 *   file did not release, and what is left at the end (e.g. a suite whose tests `-t` filtered out
 *   never acquired, so the count never reached zero).
 *
 * Signals: each system keeps its own teardown (Rehearsal's SIGINT/SIGTERM handlers, and the stale
 * run cleanup of the next Rehearsal.start after a SIGKILL); sharing changes only when it stops.
 *
 * @typedef {{ stop(): Promise<void> }} Stoppable
 * @typedef {{ handle: Stoppable, tainted: boolean }} SharedSystem
 */

/** @type {Map<string, number>} test files of this run still to release each key */
const planned = new Map();
/** @type {Map<string, SharedSystem>} running systems by key */
const systems = new Map();
/** @type {Set<string>} keys the running test file acquired and did not release */
const held = new Set();

/** Sharing on for these keys: `uses` says how many test files of the run acquire each. */
function plan(uses) {
  planned.clear();
  for (const [key, count] of uses) planned.set(key, count);
}

async function stopSystem(key) {
  const system = systems.get(key);
  if (!system) return;
  systems.delete(key);
  held.delete(key);
  await system.handle.stop();
}

/**
 * The running system of `key`, or the one `boot` starts. Without a plan for the key (a worker
 * process, a suite run by another runner) it is always a boot of the caller's own.
 * @template {Stoppable} T
 * @param {string} key
 * @param {() => Promise<T>} boot
 * @returns {Promise<T>}
 */
async function acquire(key, boot) {
  if (!planned.has(key)) return boot();
  for (const other of [...systems.keys()]) if (other !== key && !held.has(other)) await stopSystem(other);
  let system = systems.get(key);
  if (!system) {
    system = { handle: await boot(), tainted: false };
    systems.set(key, system);
  }
  held.add(key);
  return /** @type {T} */ (system.handle);
}

/**
 * Gives a system back: stops it when it is the caller's own, when it is tainted, or when no
 * planned user is left.
 * @param {string} key
 * @param {Stoppable} handle
 */
async function release(key, handle) {
  const system = systems.get(key);
  if (!system || system.handle !== handle) return handle.stop();
  held.delete(key);
  const left = (planned.get(key) ?? 0) - 1;
  planned.set(key, left);
  if (system.tainted || left <= 0) await stopSystem(key);
}

/** A test or hook of the running file failed: what it holds is not shared any further. */
function taintHeld() {
  for (const key of held) systems.get(key).tainted = true;
}

/** The running test file ended: stops what it acquired and did not release. */
async function endOfFile() {
  for (const key of [...held]) await stopSystem(key);
}

/** Stops every running system (the end of the run). */
async function stopAll() {
  const errors = [];
  for (const key of [...systems.keys()]) await stopSystem(key).catch((error) => errors.push(error));
  planned.clear();
  if (errors.length) throw new AggregateError(errors, `${errors.length} shared rehearsal(s) did not stop cleanly`);
}

/** Keys with a running system (for tests and reports). */
const running = () => [...systems.keys()];

module.exports = { plan, acquire, release, taintHeld, endOfFile, stopAll, running };
