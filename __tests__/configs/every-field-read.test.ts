/**
 * Review issue 14, item 5: an option that does nothing is a defect. Every leaf field of the config
 * schema, found by walking it (so a field added later is covered unasked), is changed to another
 * value the full validation accepts, in the first base config where that is possible (its missing
 * parents filled in from another base), and the config is synthesized: some file of the output
 * (the stacks' JSON, which hold the hosts' bundles and user data, the manifest, any asset) must
 * differ from the base's. The only exceptions are listed below, each with its reason.
 */
import { z } from 'zod';
import { validateMirovoyConfig } from '../../configs/load';
import { ConfigError, pathToString } from '../../configs/problems';
import { configSchema, MirovoyConfigInput } from '../../configs/schema';
import { ConfigField, configFields, valueAt, withValueAt } from '../support/config-fields';
import { allOptions, example } from '../support/configs';
import { BaseConfig, describeValue, FieldChange, FieldReach, fieldReach, FieldReachOptions } from '../support/field-reach';
import { synthOutputDigests } from '../support/synth';

const validated = (input: unknown): unknown => {
  try {
    return validateMirovoyConfig(input, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
};

const baseConfig = (name: string, input: unknown): BaseConfig => ({ name, config: validateMirovoyConfig(input, name) });

/**
 * all-options, and the optional fields it leaves out (the CI stack, a second DKIM key, explicit
 * subnets, a database snapshot, …) set too, so that every field has a base where it is present. A
 * new optional field that no shipped config sets belongs here (or in all-options.ts).
 */
const everyOption = {
  ...allOptions,
  network: {
    ...allOptions.network,
    subnets: {
      public: ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24'],
      application: ['10.20.10.0/24', '10.20.11.0/24', '10.20.12.0/24'],
      data: ['10.20.20.0/24', '10.20.21.0/24', '10.20.22.0/24'],
    },
  },
  mail: {
    ...allOptions.mail,
    dkimSecondSelector: 'mail2',
    dkimSigningSelector: 'mail2',
    clamavConcurrentDatabaseReload: false,
    smtpClientLimits: { connectionCount: 20, connectionRate: 120, messageRate: 200, authRate: 60 },
  },
  // The database comes from a snapshot here, so not from a dump as in all-options (one or the other).
  database: { ...allOptions.database, restoreFromSnapshot: 'mail-old-final-snapshot' },
  migration: undefined,
  state: { ...allOptions.state!, region: 'eu-central-1' },
  ci: { githubRepository: 'example-org/mail', oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
};

/**
 * Fields whose change shows nowhere in the synthesized output, each with the reason: legitimately
 * (no other valid value).
 * Each is still tried once: one whose change does show must leave this list.
 */
const NOT_IN_THE_OUTPUT: Readonly<Record<string, string>> = {
  'database.engineVersion': 'one allowed value ("8.4"), which the database stack reads: there is nothing to change it to',
};

/** Synthesizes each distinct config once. */
const memo = <T>(compute: (config: unknown) => T): ((config: unknown) => T) => {
  const cache = new Map<string, T>();
  return (config) => {
    const key = JSON.stringify(config);
    if (!cache.has(key)) cache.set(key, compute(config));
    return cache.get(key)!;
  };
};


const describeChange = (change: FieldChange): string =>
  `from ${describeValue(change.from)} to ${describeValue(change.to)} (in ${change.context}${change.alike ? `; renamed alike in ${change.alike.join(', ')}` : ''})`;

const explain = (field: ConfigField, reach: FieldReach): string => {
  const path = pathToString(field.path);
  switch (reach.outcome) {
    case 'changed':
      return `config field ${path} changes the output: ${describeChange(reach.change)}`;
    case 'unchanged':
      return `config field ${path} is read nowhere: ${reach.tried.map((change) => `changing it ${describeChange(change)}`).join(', ')} changed no synthesized output`;
    case 'no-valid-change':
      return (
        `config field ${path}: found no valid value to change it to in ${reach.contexts.length > 0 ? reach.contexts.join('; ') : 'any base config (none can hold it)'}` +
        ' — give it a value in configs/environments/all-options.ts (or in `everyOption` of this test)'
      );
  }
};

// The superset first: most fields are present there, so most take one synth besides the base's.
const reachOptions: FieldReachOptions = {
  bases: [baseConfig('every option', everyOption), baseConfig('example', example), baseConfig('all-options', allOptions)],
  validate: validated,
  output: memo((config) => synthOutputDigests(config as MirovoyConfigInput)),
};
const fields = configFields(configSchema);

describe('every config field changes the synthesized output', () => {
  it('finds the fields by walking the schema, through defaults, optionals, lists of objects and unions', () => {
    const paths = fields.map((field) => pathToString(field.path));
    expect(paths).toEqual(expect.arrayContaining(['environment', 'dns.additionalZones[0].zoneId', 'certificates.web.source', 'certificates.web.arn', 'ci.oidcProviderArn', 'tags']));
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('synthesizes the same config to the same output (else every change would look like one)', () => {
    const [first] = reachOptions.bases;
    expect(synthOutputDigests(first.config as MirovoyConfigInput)).toEqual(reachOptions.output(first.config));
  });

  it('lists only fields of the schema as outside the output', () => {
    const paths = new Set(fields.map((field) => pathToString(field.path)));
    expect(Object.keys(NOT_IN_THE_OUTPUT).filter((path) => !paths.has(path))).toEqual([]);
  });

  it('reports a field that nothing reads, with its path and the values tried', () => {
    // A made-up switch that the validation keeps and nothing synthesizes from.
    const unread: ConfigField = { path: ['mail', 'unreadSwitch'], schema: z.boolean(), optional: true };
    const validate = (input: unknown) => {
      const config = validated(withValueAt(input, unread.path, undefined));
      return config && withValueAt(config, unread.path, valueAt(input, unread.path) ?? false);
    };
    const output = (config: unknown) => reachOptions.output(withValueAt(config, unread.path, undefined));
    const reach = fieldReach(unread, { bases: [{ name: 'all-options', config: validate(allOptions) }], validate, output });
    expect(explain(unread, reach)).toBe('config field mail.unreadSwitch is read nowhere: changing it from false to true (in all-options) changed no synthesized output');
  });

  it.each(fields.map((field) => [pathToString(field.path), field] as const))('%s', (path, field) => {
    const reason = NOT_IN_THE_OUTPUT[path];
    // A listed field is tried once, in the first base: enough to notice when it starts to count.
    const reach = fieldReach(field, reason === undefined ? reachOptions : { ...reachOptions, bases: reachOptions.bases.slice(0, 1), triesPerContext: 1 });
    // Thrown rather than compared, so a failure reads as the one sentence that explains it.
    if (reason === undefined && reach.outcome !== 'changed') throw new Error(explain(field, reach));
    if (reason !== undefined && reach.outcome === 'changed') throw new Error(`${explain(field, reach)}, yet NOT_IN_THE_OUTPUT lists it (${reason}): take it off that list`);
  }, 120_000);
});
