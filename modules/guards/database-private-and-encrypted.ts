import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { Annotations, IAspect } from 'cdktf';
import { IConstruct } from 'constructs';

/** Every RDS instance must be unreachable from the internet and encrypted at rest. */
export class DatabasePrivateAndEncrypted implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof DbInstance)) return;
    if (node.publiclyAccessibleInput !== false) {
      Annotations.of(node).addError('DatabasePrivateAndEncrypted: set publiclyAccessible = false; the database lives in the data tier only.');
    }
    if (node.storageEncryptedInput !== true) {
      Annotations.of(node).addError('DatabasePrivateAndEncrypted: set storageEncrypted = true (optionally with kmsKeyId).');
    }
  }
}
