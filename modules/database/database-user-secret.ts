import { Password } from '@cdktf/provider-random/lib/password';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Construct } from 'constructs';
import { JsonSecret, SecretStorageProps } from '../secrets/json-secret';

/** Properties of {@link DatabaseUserSecret}. */
export interface DatabaseUserSecretProps extends SecretStorageProps {
  /** Secret name in Secrets Manager, e.g. `mail-prod/db/mirovoy_lookup`. */
  readonly secretName: string;
  /** The MySQL user name stored beside the password. */
  readonly username: string;
  /** What the user is for (shown in the console). */
  readonly description: string;
}

/**
 * A generated password for one application database user, kept in Secrets Manager as
 * `{"username": …, "password": …}`. The mail hosts read it through their instance role and
 * create the user; no password is ever in code, user data or stack outputs.
 */
export class DatabaseUserSecret extends Construct {
  /** The secret that holds the credentials. */
  readonly secret: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: DatabaseUserSecretProps) {
    super(scope, id);
    // URL- and option-file-safe specials: the password also goes into DSNs and my.cnf files.
    const password = new Password(this, 'Password', { length: 32, special: true, overrideSpecial: '-_.~' });
    this.secret = new JsonSecret(this, 'Credentials', {
      secretName: props.secretName,
      description: props.description,
      kmsKeyArn: props.kmsKeyArn,
      recoveryWindowDays: props.recoveryWindowDays,
      value: { username: props.username, password: password.result },
    }).secret;
  }
}
