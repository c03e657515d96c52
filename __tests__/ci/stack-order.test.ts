/** tools/ci/stack-order.ts: the stacks CI plans, in dependency order, from a real synth. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { validateConfig } from '../../configs/validate';
import { addMirovoyStacks } from '../../stacks/mirovoy-app';
import { dependencyOrder, plannedStacks } from '../../tools/ci/stack-order';
import { allOptions, example } from '../support/configs';

const synthInto = (input: typeof example): string => {
  const outdir = mkdtempSync(join(tmpdir(), 'mirovoy-stack-order-'));
  const app = new App({ outdir });
  addMirovoyStacks(app, validateConfig(input, 'test'));
  app.synth();
  return outdir;
};

describe('stack order', () => {
  it('plans network, database, mail, web in that order (web after network, whose outputs it reads) and leaves out the state bucket (local state)', () => {
    const outdir = synthInto(allOptions);
    try {
      expect(plannedStacks(outdir)).toEqual(
        ['network', 'database', 'mail', 'web'].map((role) => ({ name: `all-options-${role}`, directory: `stacks/all-options-${role}` })),
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('finds nothing to plan in a config without a state bucket', () => {
    const outdir = synthInto(example);
    try {
      expect(plannedStacks(outdir)).toEqual([]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('puts each stack after its dependencies and refuses a cycle', () => {
    const s = (name: string, ...dependencies: string[]) => ({ name, dependencies, synthesizedStackPath: `stacks/${name}/cdk.tf.json` });
    expect(dependencyOrder([s('c', 'b', 'a'), s('b', 'a'), s('a')])).toEqual(['a', 'b', 'c']);
    expect(() => dependencyOrder([s('a', 'b'), s('b', 'a')])).toThrow(/cycle through a/);
    expect(() => dependencyOrder([s('a', 'x')])).toThrow(/depends on x, which the manifest does not list/);
  });
});
