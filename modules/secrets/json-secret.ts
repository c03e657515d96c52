import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

/** Properties of {@link JsonSecret}. */
export interface JsonSecretProps {
  /** Secret name in Secrets Manager, e.g. `mail-prod/tls/mx1.example.com`. */
  readonly secretName: string;
  /** What the secret is for (shown in the console). */
  readonly description: string;
  /** The JSON object stored, field by field; values may be Terraform references. */
  readonly value: Readonly<Record<string, string>>;
  /** Customer KMS key that encrypts the secret. @default the AWS-managed Secrets Manager key (also KMS) */
  readonly kmsKeyArn?: string;
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
    this.secret = new SecretsmanagerSecret(this, 'Secret', { name: props.secretName, description: props.description, kmsKeyId: props.kmsKeyArn });
    new SecretsmanagerSecretVersion(this, 'Value', { secretId: this.secret.id, secretString: Fn.jsonencode(props.value) });
  }
}
