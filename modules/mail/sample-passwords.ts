import { Password } from '@cdktf/provider-random/lib/password';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Construct } from 'constructs';
import { JsonSecret, SecretStorageProps } from '../secrets/json-secret';

/** Properties of {@link SamplePasswords}. */
export interface SamplePasswordsProps extends SecretStorageProps {
  /** Secret name in Secrets Manager, e.g. `mail-test/test-data`. */
  readonly secretName: string;
  /** The sample mailboxes, by the name of their field in the secret (e.g. `xandros`). */
  readonly users: readonly string[];
}

/**
 * Generated passwords of sample mailboxes, kept in Secrets Manager as `{"<user>": "<password>"}`
 * (needs a `random` provider in the stack). The primary reads them through its instance role and
 * stores only their hashes; people read them in the console or with
 * `aws secretsmanager get-secret-value`. Letters and digits only: they are typed into mail clients.
 */
export class SamplePasswords extends Construct {
  /** The secret that holds the passwords. */
  readonly secret: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: SamplePasswordsProps) {
    super(scope, id);
    if (props.users.length === 0) throw new Error(`SamplePasswords ${this.node.path}: users is empty; name at least one sample mailbox`);
    this.secret = new JsonSecret(this, 'Passwords', {
      secretName: props.secretName,
      description: 'Passwords of the sample mailboxes (config testData)',
      kmsKeyArn: props.kmsKeyArn,
      recoveryWindowDays: props.recoveryWindowDays,
      value: Object.fromEntries(props.users.map((user) => [user, new Password(this, `Password-${user}`, { length: 24, special: false }).result])),
    }).secret;
  }
}
