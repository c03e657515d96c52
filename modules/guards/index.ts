import { Aspects, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { DatabasePrivateAndEncrypted } from './database-private-and-encrypted';
import { Imdsv2Required } from './imdsv2-required';
import { NoWorldOpenDatabasePort } from './no-world-open-database-port';

/**
 * Adds every guard-rail to each stack in a scope; a violation fails the synth with the rule's
 * name and fix. (cdktf applies aspects from the stack down, so aspects on the App itself would
 * never run: call this after the stacks exist.)
 */
export const addGuardRails = (scope: IConstruct): void => {
  for (const stack of scope.node.findAll().filter(TerraformStack.isStack)) {
    for (const guard of [new Imdsv2Required(), new DatabasePrivateAndEncrypted(), new NoWorldOpenDatabasePort()]) {
      Aspects.of(stack).add(guard);
    }
  }
};
