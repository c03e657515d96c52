/** Turns an unknown value into a validated config, or a ConfigError that lists every problem. */
import { z } from 'zod';
import { ConfigError, ConfigProblem, formatProblem, pathToString } from './problems';
import { ConfigRule, crossFieldProblems } from './rules';
import { configSchema, MirovoyConfig } from './schema';

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined), root);

/** Unwraps defaults, optionals and arrays to reach the object schema at a path. */
const schemaAt = (schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined => {
  let node: z.ZodType | undefined = schema;
  for (const key of ['', ...path]) {
    while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
    if (key === '') continue;
    if (node instanceof z.ZodObject) node = node.shape[String(key)] as z.ZodType | undefined;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return undefined;
  }
  while (node instanceof z.ZodDefault || node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
  return node;
};

const describeValues = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

const problemsFromIssue = (issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] => {
  const value = valueAt(input, issue.path);
  const path = pathToString(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const target = schemaAt(configSchema, issue.path);
      const allowed = target instanceof z.ZodObject ? Object.keys(target.shape).join(', ') : 'see configs/schema.ts';
      return issue.keys.map((key) => ({ path: pathToString([...issue.path, key]), message: `is not a known field; allowed here: ${allowed}` }));
    }
    case 'invalid_value':
      return [{ path, value, message: `must be one of ${describeValues(issue.values)}` }];
    case 'invalid_type':
      return [value === undefined ? { path, message: `is required (${issue.expected})` } : { path, value, message: `must be of type ${issue.expected}` }];
    case 'invalid_union': {
      // A discriminated union reports the discriminator's path: list the forms it allows.
      const union = schemaAt(configSchema, issue.path.slice(0, -1));
      if (union instanceof z.ZodDiscriminatedUnion) {
        const key = union._zod.def.discriminator;
        const forms = union.options.flatMap((option) => [...(option as z.ZodObject).shape[key]._zod.values!]);
        return [{ path, value, message: `must be one of ${describeValues(forms)}` }];
      }
      return [{ path, value, message: 'matches none of the allowed forms' }];
    }
    case 'too_small':
    case 'too_big': {
      const isArray = Array.isArray(value);
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      const custom = issue.message.startsWith('Too ') ? undefined : issue.message;
      return [{ path, value, message: custom ?? (isArray ? `needs ${bound} entries` : `must be ${bound}`) }];
    }
    case 'invalid_key':
      // A record key (e.g. a tag key) broke its rule: report the key and the rule's message.
      return [{ path, value: issue.path.at(-1), message: issue.issues[0]?.message ?? issue.message }];
    default:
      return [{ path, value, message: issue.message }];
  }
};

const fieldAndValue = (p: ConfigProblem): string => JSON.stringify([p.path, p.value]);

/**
 * Validates a config written by a person. Returns it with defaults filled in, or throws a
 * ConfigError naming every problem: field path, bad value and what is allowed.
 *
 * Checks the schema (types, defaults, single fields), then the cross-field rules of `rules.ts`
 * and `moreRules`: rules from layers that build on the config, given here because configs/ may
 * not import them. `validateMirovoyConfig` in `load.ts` passes the mail hosts' spec rules
 * (`adapters/mail-host-spec.ts`); `loadConfig`, and so every entry point, validates with it.
 *
 * `moreRules` re-check the config through what is built from it, so they may see a mistake the
 * cross-field rules already reported in config terms (a backup MX named like the primary): their
 * problems at a field and value the cross-field rules reported are left out, and one found twice
 * (a shared field, checked on both mail hosts) is listed once.
 */
export const validateConfig = (input: unknown, source: string, moreRules: readonly ConfigRule[] = []): MirovoyConfig => {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(source, parsed.error.issues.flatMap((issue) => problemsFromIssue(issue, input)));
  const own = crossFieldProblems(parsed.data);
  const flagged = new Set(own.map(fieldAndValue));
  const more = [...new Map(moreRules.flatMap((rule) => rule(parsed.data)).map((p) => [formatProblem(p), p])).values()];
  const problems = [...own, ...more.filter((p) => !flagged.has(fieldAndValue(p)))];
  if (problems.length > 0) throw new ConfigError(source, problems);
  return parsed.data;
};
