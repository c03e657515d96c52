/**
 * The rules by which e2e suites share a booted rehearsal (tools/jest/shared-rehearsals.js) and
 * the order that puts a system's suites next to each other (tools/jest/e2e-sequencer.js), with
 * systems that count their boots and stops. The sharing of real mail systems is what
 * mail-quota and mail-status run on.
 */
const shared = require('../../tools/jest/shared-rehearsals');
const { groupByKey } = require('../../tools/jest/e2e-sequencer');

/** Boots that count: each a handle whose stops are counted. */
const counted = () => {
  const booted: { stops: number; stop(): Promise<void> }[] = [];
  const boot = async () => {
    const handle = { stops: 0, stop: async () => void handle.stops++ };
    booted.push(handle);
    return handle;
  };
  return { booted, boot };
};

afterEach(async () => {
  await shared.stopAll();
});

describe('shared rehearsals', () => {
  it('without a plan (a worker process, another runner), boots for each suite and stops on release', async () => {
    const { booted, boot } = counted();
    for (let i = 0; i < 2; i++) await shared.release('k', await shared.acquire('k', boot));
    expect(booted.map((h) => h.stops)).toEqual([1, 1]);
    expect(shared.running()).toEqual([]);
  });

  it('boots once for the planned suites of a key, and the last release stops it', async () => {
    const { booted, boot } = counted();
    shared.plan(new Map([['k', 3]]));
    const handles = [];
    for (let i = 0; i < 3; i++) {
      const handle = await shared.acquire('k', boot);
      handles.push(handle);
      expect(booted.map((h) => h.stops)).toEqual([0]);
      await shared.release('k', handle);
    }
    expect(new Set(handles).size).toBe(1);
    expect(booted.map((h) => h.stops)).toEqual([1]);
    expect(shared.running()).toEqual([]);
  });

  it('a failure taints what the running file holds: stopped on release, the next suite boots afresh', async () => {
    const { booted, boot } = counted();
    shared.plan(new Map([['k', 2]]));
    const first = await shared.acquire('k', boot);
    shared.taintHeld();
    await shared.release('k', first);
    expect(booted.map((h) => h.stops)).toEqual([1]);
    const second = await shared.acquire('k', boot);
    expect(second).not.toBe(first);
    await shared.release('k', second);
    expect(booted.map((h) => h.stops)).toEqual([1, 1]);
  });

  it('stops an idle system of another key before booting one, and leaves held ones alone', async () => {
    const { booted, boot } = counted();
    shared.plan(new Map([['a', 2], ['b', 1], ['c', 1]]));
    await shared.release('a', await shared.acquire('a', boot));
    const b = await shared.acquire('b', boot);
    expect(booted.map((h) => h.stops)).toEqual([1, 0]);
    await shared.acquire('c', boot);
    expect(booted.map((h) => h.stops)).toEqual([1, 0, 0]);
    expect(shared.running().sort()).toEqual(['b', 'c']);
    await shared.release('b', b);
    expect(booted.map((h) => h.stops)).toEqual([1, 1, 0]);
  });

  it('at the end of a file, stops what it did not release; at the end of the run, what is left', async () => {
    const { booted, boot } = counted();
    shared.plan(new Map([['a', 2], ['b', 2]]));
    await shared.acquire('a', boot);
    await shared.endOfFile();
    expect(booted.map((h) => h.stops)).toEqual([1]);
    await shared.release('b', await shared.acquire('b', boot));
    expect(shared.running()).toEqual(['b']);
    await shared.stopAll();
    expect(booted.map((h) => h.stops)).toEqual([1, 1]);
  });

  it('stops every system at the end of the run even when one fails to stop, and says so', async () => {
    shared.plan(new Map([['a', 2], ['b', 2]]));
    const { booted, boot } = counted();
    // One file holding both: neither is idle when the other is acquired.
    await shared.acquire('a', async () => ({ stop: () => Promise.reject(new Error('umount: target is busy')) }));
    await shared.acquire('b', boot);
    await expect(shared.stopAll()).rejects.toThrow(/1 shared rehearsal\(s\) did not stop cleanly/);
    expect(booted.map((h) => h.stops)).toEqual([1]);
    expect(shared.running()).toEqual([]);
  });
});

describe('the order of e2e files', () => {
  it("moves each key's files up to its first one, and keeps every other file where Jest put it", () => {
    const keys: Record<string, string | null> = { big: null, quota: 'example', upkeep: null, status: 'example', boot: null, other: 'x', last: 'x' };
    expect(groupByKey(Object.keys(keys), (t: string) => keys[t])).toEqual(['big', 'quota', 'status', 'upkeep', 'boot', 'other', 'last']);
  });
});
