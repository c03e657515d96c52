/** Test support: synthesize one stack built by a callback, with cdktf's validations, and parse it. */
import { TerraformStack, Testing } from 'cdktf';

/** A parsed `cdk.tf.json`: the parts the acme tests read. */
export interface SynthesizedStack {
  readonly terraform: { readonly required_providers: Readonly<Record<string, { readonly source: string; readonly version: string }>> };
  readonly provider?: Readonly<Record<string, readonly Record<string, unknown>[]>>;
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  readonly output?: Readonly<Record<string, { readonly value: unknown }>>;
}

/** A fresh stack, handed to `build`. */
export const newStack = (): TerraformStack => new TerraformStack(Testing.app(), 'acme-test');

/** Builds a stack with `build` and returns its synthesized JSON; cdktf's validations (e.g. provider presence) run. */
export const synthStack = (build: (stack: TerraformStack) => void): SynthesizedStack => {
  const stack = newStack();
  build(stack);
  return JSON.parse(Testing.synth(stack, true)) as SynthesizedStack;
};
