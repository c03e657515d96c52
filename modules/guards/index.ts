import { Aspects } from 'cdktf';
import { IConstruct } from 'constructs';
import { DatabasePrivateAndEncrypted } from './database-private-and-encrypted';
import { LaunchTemplateImdsv2Required } from './launch-template-imdsv2-required';
import { NoWorldOpenDatabasePort } from './no-world-open-database-port';

/** Adds every guard-rail to a scope; a violation fails the synth with the rule's name and fix. */
export const addGuardRails = (scope: IConstruct): void => {
  for (const guard of [new LaunchTemplateImdsv2Required(), new DatabasePrivateAndEncrypted(), new NoWorldOpenDatabasePort()]) {
    Aspects.of(scope).add(guard);
  }
};
