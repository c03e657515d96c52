/** Review issue 12, items 11 and 15: the state bucket's version expiry and the secrets' recovery window. */
import { validateConfig } from '../../configs/validate';
import { allOptions, example, exampleWith, problemsOf } from '../support/configs';


describe('secrets.recoveryWindowDays', () => {
  it('is 30 days unless set, and 0 in the embedded example (a throw-away demo)', () => {
    expect(validateConfig(allOptions, 'all-options').secrets.recoveryWindowDays).toBe(30);
    expect(validateConfig(example, 'example').secrets.recoveryWindowDays).toBe(0);
  });

  it.each([0, 7, 30])('takes %d', (days) => {
    expect(problemsOf(exampleWith({ secrets: { recoveryWindowDays: days } }))).toEqual([]);
  });

  it.each([1, 6, 31, 7.5])('refuses %d, naming the field, the value and what is allowed', (days) => {
    expect(problemsOf(exampleWith({ secrets: { recoveryWindowDays: days } }))).toEqual([
      `secrets.recoveryWindowDays: must be 0 (delete at once) or a whole number of days from 7 to 30 (got ${days})`,
    ]);
  });
});

describe('state.noncurrentVersionExpirationDays', () => {
  const withDays = (days: unknown) => exampleWith({ state: { bucket: 'example-com-terraform-state', noncurrentVersionExpirationDays: days } });

  it('is 90 days unless set', () => {
    expect(validateConfig(allOptions, 'all-options').state!.noncurrentVersionExpirationDays).toBe(90);
    expect(problemsOf(withDays(3650))).toEqual([]);
  });

  it.each([
    [0, 'must be at least 1'],
    [3651, 'must be at most 3650'],
    [1.5, 'must be of type int'],
  ])('refuses %d', (days, message) => {
    expect(problemsOf(withDays(days))).toEqual([`state.noncurrentVersionExpirationDays: ${message} (got ${days})`]);
  });
});
