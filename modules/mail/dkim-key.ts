import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { JsonSecret } from '../secrets/json-secret';

/** Properties of {@link DkimKey}. */
export interface DkimKeyProps {
  /** Secret name, e.g. `mail-prod/dkim/example.com`. */
  readonly secretName: string;
  /** The signing domain (for the description). */
  readonly domain: string;
  /**
   * DNS selector the key is published under (`<selector>._domainkey.<domain>`). It travels with the
   * key in the secret, so a host switches key and selector together.
   */
  readonly selector: string;
  /** Customer KMS key for the secret. @default the AWS-managed Secrets Manager key */
  readonly kmsKeyArn?: string;
}

/**
 * A domain's DKIM signing key, made in Terraform: RSA 2048 (what every verifier accepts; 1024 is
 * too weak, 4096 does not fit many DNS setups). The private key goes to Secrets Manager as
 * `{"private_key": PEM, "selector"}` for OpenDKIM; the public key goes into the DKIM TXT record.
 */
export class DkimKey extends Construct {
  /** The secret with the private key. */
  readonly secret: SecretsmanagerSecret;
  /** The public key as DKIM's `p=` wants it: base64 DER (SubjectPublicKeyInfo), known at apply time. */
  readonly publicKeyBase64: string;

  constructor(scope: Construct, id: string, props: DkimKeyProps) {
    super(scope, id);
    const key = new PrivateKey(this, 'Key', { algorithm: 'RSA', rsaBits: 2048 });
    this.secret = new JsonSecret(this, 'PrivateKey', {
      secretName: props.secretName,
      description: `DKIM signing key of ${props.domain}`,
      kmsKeyArn: props.kmsKeyArn,
      value: { private_key: key.privateKeyPem, selector: props.selector },
    }).secret;
    // A PEM "PUBLIC KEY" is that base64 DER between its armour lines.
    this.publicKeyBase64 = Fn.replace(key.publicKeyPem, '/-----[A-Z ]+-----|\\n/', '');
  }
}
