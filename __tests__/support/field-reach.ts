/**
 * Test support: whether changing one config field changes what is synthesized. For a field, each
 * base config in turn is the context (with the field's missing parents filled in from another
 * base); the field is set to values its schema accepts and the whole config
 * validates with, and each such config is synthesized and compared with the context's own output.
 */
import { pathToString } from '../../configs/problems';
import { candidateValues, ConfigField, FieldPath, renamedEverywhere, sameValue, valueAt, withValueAt } from './config-fields';

/** A named, validated config (defaults filled in) that a field is changed in. */
export interface BaseConfig {
  readonly name: string;
  readonly config: unknown;
}

/** What {@link fieldReach} works with. */
export interface FieldReachOptions {
  /** The configs to change the field in, in the order they are tried. */
  readonly bases: readonly BaseConfig[];
  /** The config with defaults filled in, or undefined when the full validation refuses it. */
  readonly validate: (input: unknown) => unknown;
  /** A digest of everything synthesized from a config, by output file. */
  readonly output: (config: unknown) => Readonly<Record<string, string>>;
  /** Changed values synthesized per context before the next one is tried. @default 3 */
  readonly triesPerContext?: number;
}

/** One changed value that was synthesized. */
export interface FieldChange {
  /** The base, and what was filled in to reach the field. */
  readonly context: string;
  readonly from: unknown;
  readonly to: unknown;
  /** Other fields that held the old value and were renamed alike, when the field cannot change alone. */
  readonly alike?: readonly string[];
}

/** Whether some valid change of the field changed the synthesized output, and what was tried. */
export type FieldReach =
  | { readonly outcome: 'changed'; readonly change: FieldChange }
  | { readonly outcome: 'unchanged'; readonly tried: readonly FieldChange[] }
  | { readonly outcome: 'no-valid-change'; readonly contexts: readonly string[] };

/** `"x"`, `5`, or `(left out)`. */
export const describeValue = (value: unknown): string => (value === undefined ? '(left out)' : JSON.stringify(value));

/** Where a change of the field is made: a discriminator's change replaces the whole union value. */
const targetOf = (field: ConfigField): FieldPath => field.union?.path ?? field.path;

/**
 * The base with every missing parent of the field's target filled in: with that parent from
 * another base, or `{}` (an object whose fields all have defaults), the first of them the config
 * validates with. Undefined when none does.
 */
const contextIn = (field: ConfigField, base: BaseConfig, options: FieldReachOptions): { name: string; config: unknown } | undefined => {
  const target = targetOf(field);
  let { config } = base;
  const filled: string[] = [];
  for (let depth = 1; depth < target.length; depth++) {
    const parent = target.slice(0, depth);
    if (valueAt(config, parent) !== undefined) continue;
    const offers = [...options.bases.filter((other) => other !== base).map((other) => valueAt(other.config, parent)), {}];
    const fill = offers.filter((offer) => offer !== undefined).find((offer) => options.validate(withValueAt(config, parent, offer)) !== undefined);
    if (fill === undefined) return undefined;
    config = options.validate(withValueAt(config, parent, fill));
    filled.push(`${pathToString(parent)} = ${describeValue(fill)}`);
  }
  return { name: filled.length > 0 ? `${base.name} with ${filled.join(', ')}` : base.name, config };
};

/** Values the target could change to in a context: the other bases' first, then the schema's. */
const targetCandidates = (field: ConfigField, config: unknown, options: FieldReachOptions): unknown[] => {
  const target = targetOf(field);
  const seeds = options.bases.map((base) => valueAt(base.config, target)).filter((seed) => seed !== undefined);
  if (!field.union) return candidateValues(field, valueAt(config, field.path), seeds);
  const current = valueAt(config, target);
  const key = field.path.at(-1)!;
  const forms = candidateValues(field, valueAt(config, field.path)).map((choice) => ({ [key]: choice }));
  return [...seeds, ...forms, ...(field.optional ? [undefined] : [])].filter(
    (candidate, i, all) => !sameValue(candidate, current) && all.findIndex((other) => sameValue(other, candidate)) === i && (candidate === undefined || field.union!.schema.safeParse(candidate).success),
  );
};

/** Shorter values are not renamed everywhere: they would match inside unrelated strings. */
const MIN_RENAMED_LENGTH = 4;

/** A context, and a changed config made from it that validates. */
interface ValidChange extends FieldChange {
  readonly base: unknown;
  readonly config: unknown;
}

/** The first `tries` candidates whose config (made by `change`) validates and differs from the context's. */
const validChanges = (
  context: { name: string; config: unknown },
  from: unknown,
  candidates: readonly unknown[],
  options: FieldReachOptions,
  change: (to: unknown) => { config: unknown; alike?: string[] },
): ValidChange[] => {
  const valid: ValidChange[] = [];
  for (const to of candidates) {
    if (valid.length === (options.triesPerContext ?? 3)) break;
    const made = change(to);
    const config = options.validate(made.config);
    if (config !== undefined && !sameValue(config, context.config)) valid.push({ context: context.name, base: context.config, from, to, config, ...(made.alike ? { alike: made.alike } : {}) });
  }
  return valid;
};

/**
 * Tries valid changes of one field, base by base, until one changes the synthesized output. Only
 * when the field can change alone in no base (a zone's name, which host names must lie in) is it
 * renamed together with every field that holds its value, the change that renames fewest first.
 */
export const fieldReach = (field: ConfigField, options: FieldReachOptions): FieldReach => {
  const target = targetOf(field);
  const contexts = options.bases.flatMap((base) => contextIn(field, base, options) ?? []);
  const tried: FieldChange[] = [];
  /** The first of the changes that shows in the output; the others go to `tried`. */
  const firstShown = (changes: readonly ValidChange[]): FieldChange | undefined => {
    for (const { base, config, ...change } of changes) {
      if (!sameValue(options.output(config), options.output(base))) return change;
      tried.push(change);
    }
    return undefined;
  };
  for (const context of contexts) {
    const alone = validChanges(context, valueAt(context.config, target), targetCandidates(field, context.config, options), options, (to) => ({
      config: withValueAt(context.config, target, to),
    }));
    const shown = firstShown(alone);
    if (shown) return { outcome: 'changed', change: shown };
  }
  if (tried.length === 0) {
    const together = contexts.flatMap((context) => {
      const from = valueAt(context.config, target);
      if (typeof from !== 'string' || from.length < MIN_RENAMED_LENGTH) return [];
      return validChanges(context, from, targetCandidates(field, context.config, options), options, (to) => {
        const { value, renamed } = renamedEverywhere(context.config, from, String(to));
        return { config: value, alike: renamed.map(pathToString).filter((path) => path !== pathToString(target)) };
      });
    });
    const shown = firstShown(together.sort((a, b) => a.alike!.length - b.alike!.length));
    if (shown) return { outcome: 'changed', change: shown };
  }
  return tried.length > 0 ? { outcome: 'unchanged', tried } : { outcome: 'no-valid-change', contexts: contexts.map((context) => context.name) };
};
