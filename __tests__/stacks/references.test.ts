import { allOptions, example } from '../support/configs';
import { synthConfig, TerraformJson } from '../support/synth';

/** Every `${type.name.attr}` / `${data.type.name.attr}` reference in a stack, with where it points. */
const referencesIn = (stack: TerraformJson): string[] =>
  [...JSON.stringify(stack).matchAll(/\$\{([^}]*)\}/g)].flatMap(([, expr]) => [...expr.matchAll(/\b(data\.[a-z0-9_]+\.[\w-]+|(?:aws|random|tls|acme)_[a-z0-9_]+\.[\w-]+)\b/g)].map((m) => m[1]));

const exists = (stack: TerraformJson, ref: string): boolean => {
  const [first, ...rest] = ref.split('.');
  return first === 'data' ? Boolean(stack.data?.[rest[0]]?.[rest[1]]) : Boolean(stack.resource?.[first]?.[rest[0]]);
};

describe.each([['example', example], ['all-options', allOptions]])('%s: synthesized stacks are well-formed', (_, config) => {
  const stacks = synthConfig(config);
  it.each(Object.keys(stacks))('%s: every reference points at something in the stack', (name) => {
    const refs = referencesIn(stacks[name]);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((ref) => !exists(stacks[name], ref))).toEqual([]);
  });

  it.each(Object.keys(stacks))('%s: every resource is tagged with the environment through the provider', (name) => {
    expect(stacks[name].provider?.aws[0].default_tags[0].tags['mirovoy:environment']).toBe(config.environment);
  });
});
