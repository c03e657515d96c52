import { nodeName, runIdOf, runName } from '../../rehearsal/names';

describe('rehearsal names', () => {
  it('prefixes every run and node name so leftovers can be found', () => {
    expect(runName('1a2b3c')).toBe('mvr-1a2b3c');
    expect(nodeName('1a2b3c', 'mx')).toBe('mvr-1a2b3c-mx');
  });

  it('finds the run id in its own names only', () => {
    expect(runIdOf('mvr-1a2b3c')).toBe('1a2b3c');
    expect(runIdOf('mvr-1a2b3c-mx')).toBe('1a2b3c');
    expect(runIdOf('feas-mx')).toBeUndefined();
    expect(runIdOf('mvr-xyz')).toBeUndefined();
  });

  it.each(['MX', '1mx', 'mx_1', '', 'a'.repeat(32)])('rejects node name %j', (name) => {
    expect(() => nodeName('1a2b3c', name)).toThrow('lower-case letters');
  });
});
