/**
 * examples/hcl-consumer, a plain Terraform workspace reading our outputs through
 * `terraform_remote_state`: each state it reads is where our backend writes that stack's state,
 * and each output it reads exists in that synthesized stack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../configs/validate';
import { allOptions } from '../support/configs';
import { synthConfig } from '../support/synth';

const HCL = readFileSync(join(__dirname, '..', '..', 'examples', 'hcl-consumer', 'main.tf'), 'utf8');
const config = validateConfig(allOptions, 'test');
const stacks = synthConfig(allOptions);

/** Each `data "terraform_remote_state" "<name>"` block's state key, with the variables filled in as for our config. */
const remoteStates = new Map(
  [...HCL.matchAll(/^data "terraform_remote_state" "(\w+)" \{\n([\s\S]*?)^\}/gm)].map(([, name, body]) => {
    const key = /^\s+key\s+=\s+"([^"]+)"/m.exec(body)?.[1] ?? '';
    return [name, key.replace('${var.state_key_prefix}', config.state!.keyPrefix).replace('${var.environment}', config.environment)];
  }),
);
const reads = [...new Set([...HCL.matchAll(/data\.terraform_remote_state\.(\w+)\.outputs\.(\w+)/g)].map(([read]) => read))].map((read) => {
  const [, , state, , output] = read.split('.');
  return { state, output };
});

it('reads the network, database and mail states, and several outputs of each', () => {
  expect([...remoteStates.keys()]).toEqual(['network', 'database', 'mail']);
  for (const state of remoteStates.keys()) expect(reads.filter((r) => r.state === state).length).toBeGreaterThan(0);
});

it.each([...remoteStates])('finds the state of %s where our S3 backend writes it', (name, key) => {
  expect(stacks[`${config.environment}-${name}`].terraform.backend.s3.key).toBe(key);
});

it.each(reads.map((r) => [r.state, r.output]))('reads %s output %s, which the stack has', (state, output) => {
  expect(Object.keys(stacks[`${config.environment}-${state}`].output ?? {})).toContain(output);
});
