/** Review issue 12, items 11 and 15: the state bucket's version expiry and the secrets' recovery window. */
import { ConfigError, formatProblem } from '../../configs/problems';
import { validateConfig } from '../../configs/validate';
import { allOptions, example, exampleWith } from '../support/configs';

const problemsOf = (input: unknown): string[] => {
  try {
    validateConfig(input, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
};

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
