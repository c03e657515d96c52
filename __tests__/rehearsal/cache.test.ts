import { cacheEntryName, weekBucket } from '../../rehearsal/cache';

describe('weekBucket', () => {
  it.each([
    ['2026-01-01T12:00:00Z', '2026-W01'], // a Thursday: week 1 by definition
    ['2021-01-03T00:00:00Z', '2020-W53'], // a Sunday that still belongs to the previous ISO year
    ['2024-12-30T00:00:00Z', '2025-W01'], // a Monday that already belongs to the next ISO year
    ['2026-11-27T23:59:59Z', '2026-W48'],
  ])('puts %s in %s', (date, week) => {
    expect(weekBucket(new Date(date))).toBe(week);
  });

  it('changes on Monday, not before', () => {
    expect(weekBucket(new Date('2026-11-29T23:59:59Z'))).toBe('2026-W48');
    expect(weekBucket(new Date('2026-11-30T00:00:00Z'))).toBe('2026-W49');
  });
});

describe('cacheEntryName', () => {
  const date = new Date('2026-11-27T00:00:00Z');
  const inputs = { suite: 'trixie', packages: ['cloud-init', 'dbus'], recipe: 1 };

  it('names kind, week and a 16-digit hash of the inputs', () => {
    expect(cacheEntryName('rootfs-trixie', inputs, date)).toMatch(/^rootfs-trixie-2026-W48-[0-9a-f]{16}$/);
  });

  it('is stable for the same inputs and week', () => {
    expect(cacheEntryName('rootfs-trixie', inputs, date)).toBe(cacheEntryName('rootfs-trixie', { ...inputs }, new Date('2026-11-23T00:00:00Z')));
  });

  it('changes with the package list, the recipe version and the week', () => {
    const base = cacheEntryName('rootfs-trixie', inputs, date);
    expect(cacheEntryName('rootfs-trixie', { ...inputs, packages: ['cloud-init'] }, date)).not.toBe(base);
    expect(cacheEntryName('rootfs-trixie', { ...inputs, recipe: 2 }, date)).not.toBe(base);
    expect(cacheEntryName('rootfs-trixie', inputs, new Date('2026-12-04T00:00:00Z'))).not.toBe(base);
  });
});
