import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

/** The recovery windows Secrets Manager accepts: 0 (delete at once) or 7 to 30 days. */
export const isRecoveryWindow = (days: number): boolean => days === 0 || (Number.isInteger(days) && days >= 7 && days <= 30);

/** How a secret is kept; every construct that makes a {@link JsonSecret} takes these. */
export interface SecretStorageProps {
  /** Customer KMS key that encrypts the secret. @default the AWS-managed Secrets Manager key (also KMS) */
  readonly kmsKeyArn?: string;
  /**
   * Days a deleted secret can still be restored: 7–30, or 0 to delete it at once. While it waits,
   * its name is taken, so a destroyed environment cannot be applied again until the window ends
   * (the names are fixed); 0 suits throw-away environments.
   * @default 30 (Secrets Manager's default)
   */
  readonly recoveryWindowDays?: number;
}

/** Properties of {@link JsonSecret}. */
export interface JsonSecretProps extends SecretStorageProps {
  /** Secret name in Secrets Manager, e.g. `mail-prod/tls/mx1.example.com`. */
  readonly secretName: string;
  /** What the secret is for (shown in the console). */
  readonly description: string;
  /** The JSON object stored, field by field; values may be Terraform references. */
  readonly value: Readonly<Record<string, string>>;
}

/**
 * A Secrets Manager secret holding one JSON object, encrypted with KMS. Hosts read it through
 * their instance role (`mirovoy-fetch secret <name> <field>`); its value never appears in user
 * data, tags or outputs — only its ARN does.
 */
export class JsonSecret extends Construct {
  /** The secret (its `arn` is what hosts and outputs refer to). */
  readonly secret: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: JsonSecretProps) {
    super(scope, id);
    const days = props.recoveryWindowDays;
    if (days !== undefined && !isRecoveryWindow(days)) {
      throw new Error(`JsonSecret ${this.node.path}: recoveryWindowDays is ${days}; give 0 (delete at once) or a whole number of days from 7 to 30`);
    }
    this.secret = new SecretsmanagerSecret(this, 'Secret', {
      name: props.secretName,
      description: props.description,
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: days,
    });
    new SecretsmanagerSecretVersion(this, 'Value', { secretId: this.secret.id, secretString: Fn.jsonencode(props.value) });
  }
}
