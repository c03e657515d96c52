/**
 * Review issue 12, item 15: a destroyed environment could not be applied again for 30 days — its
 * secrets have fixed names and waited out Secrets Manager's default recovery window. The window
 * is `secrets.recoveryWindowDays`, on every secret the project makes.
 */
import { TerraformStack, Testing } from 'cdktf';
import { JsonSecret } from '../../modules/secrets/json-secret';
import { allOptions, example, exampleWith } from '../support/configs';
import { resourcesOf, synthConfig } from '../support/synth';

const windowsOf = (stacks: ReturnType<typeof synthConfig>) =>
  Object.values(stacks).flatMap((stack) => resourcesOf(stack, 'aws_secretsmanager_secret').map((secret) => [secret.name, secret.recovery_window_in_days]));

describe('secret recovery window', () => {
  it.each([
    ['the example (throw-away: deleted at once)', example, 0],
    ['all-options (the default)', allOptions, 30],
    ['a config that sets it', exampleWith({ secrets: { recoveryWindowDays: 7 }, mail: { outbound: 'ses' } }), 7],
  ])('%s: every secret, in every stack, has the configured window', (_, config, days) => {
    const windows = windowsOf(synthConfig(config));
    // DKIM keys, certificates, database users (and the SES credentials in the last case).
    expect(windows.length).toBeGreaterThanOrEqual(6);
    expect(windows).toEqual(windows.map(([name]) => [name, days]));
  });

  it('JsonSecret refuses a window Secrets Manager would refuse, naming it and the fix', () => {
    const make = (recoveryWindowDays: number) => () =>
      new JsonSecret(new TerraformStack(Testing.app(), 'test'), 'Secret', { secretName: 's', description: 'd', value: {}, recoveryWindowDays });
    expect(make(5)).toThrow('JsonSecret test/Secret: recoveryWindowDays is 5; give 0 (delete at once) or a whole number of days from 7 to 30');
    for (const days of [0, 7, 30]) expect(make(days)).not.toThrow();
  });
});
