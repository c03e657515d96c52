/**
 * Stack outputs are the public contract for other workspaces: each stack has exactly the outputs
 * the README's *Stack outputs* tables list for it, under the conditions in their *When* column,
 * in four configs that between them switch each condition and the optional stacks on and off.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MirovoyConfig } from '../../configs/schema';
import { validateConfig } from '../../configs/validate';
import { needsWebStack } from '../../adapters/web-tier';
import { allOptions, exampleWith } from '../support/configs';
import { synthConfig } from '../support/synth';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The README's output tables: stack role → rows of name, type, condition. */
const documented = (): Map<string, { name: string; type: string; when: string }[]> => {
  const tables = new Map<string, { name: string; type: string; when: string }[]>();
  // A table's section ends at the next heading of any level (later sections have tables of their own).
  for (const section of README.split(/^#### /m).slice(1).map((s) => s.split(/^#{1,3} /m)[0])) {
    const role = /^`<env>-([a-z-]+)` outputs\n/.exec(section)?.[1];
    if (!role) continue;
    const rows = [...section.matchAll(/^\| `(\w+)` \| ([\w()]+) \| ([^|]+?) \|/gm)].map(([, name, type, when]) => ({ name, type, when }));
    tables.set(role, rows);
  }
  return tables;
};

/** What each *When* cell means. */
const CONDITIONS: Record<string, (c: MirovoyConfig) => boolean> = {
  always: () => true,
  '`mail.backupMx.enabled`': (c) => c.mail.backupMx.enabled,
  '`webmail.enabled`': (c) => c.webmail.enabled,
  '`mail.outbound: "ses"`': (c) => c.mail.outbound === 'ses',
  '`phpMyAdmin.enabled`': (c) => c.phpMyAdmin.enabled,
  '`webAccessLogs.enabled`': (c) => c.webAccessLogs.enabled,
};
const TYPES = ['string', 'number', 'list(string)', 'map(string)'];
/** When each optional stack exists (the others always do). */
const STACK_EXISTS: Record<string, (c: MirovoyConfig) => boolean> = {
  'state-bucket': (c) => c.state !== undefined,
  ci: (c) => c.ci !== undefined,
  web: needsWebStack,
};

const CONFIGS = {
  'all-options': allOptions,
  'all-options with the ci stack': { ...allOptions, ci: { githubRepository: 'example-org/mail' } },
  'all-options with SES': { ...allOptions, mail: { ...allOptions.mail, outbound: 'ses' as const, relayHost: undefined, relayCredentialsSecretArn: undefined } },
  'example (webmail, without phpMyAdmin and access logs)': exampleWith({}),
  'example without backup MX, webmail and MTA-STS': exampleWith({ mail: { backupMx: { enabled: false } }, webmail: { enabled: false }, dns: { mtaStsMode: 'none' } }),
};

const tables = documented();

it('documents the outputs of the six stacks, each with a Terraform type and a known condition', () => {
  expect([...tables.keys()]).toEqual(['state-bucket', 'ci', 'network', 'database', 'mail', 'web']);
  for (const rows of tables.values()) {
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      expect(TYPES).toContain(row.type);
      expect(Object.keys(CONDITIONS)).toContain(row.when);
    }
  }
});

describe.each(Object.entries(CONFIGS))('%s', (_label, input) => {
  const config = validateConfig(input, 'test');
  const stacks = synthConfig(input);

  it.each([...tables.keys()])('<env>-%s has exactly the documented outputs', (role) => {
    const stack = stacks[`${config.environment}-${role}`];
    expect([role, Boolean(stack)]).toEqual([role, STACK_EXISTS[role]?.(config) ?? true]);
    if (!stack) return;
    const actual = Object.keys(stack.output ?? {}).filter((name) => !name.startsWith('cross-stack-output-'));
    const expected = tables.get(role)!.filter((row) => CONDITIONS[row.when](config)).map((row) => row.name);
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('marks only cdktf\'s own cross-stack outputs sensitive', () => {
    for (const stack of Object.values(stacks)) {
      for (const [name, output] of Object.entries(stack.output ?? {})) expect([name, output.sensitive === true]).toEqual([name, name.startsWith('cross-stack-output-')]);
    }
  });
});
