import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { JsonSecret, SecretStorageProps } from '../secrets/json-secret';

/** Properties of {@link DkimKey}. */
export interface DkimKeyProps extends SecretStorageProps {
  /** Secret name, e.g. `mail-prod/dkim/example.com`. */
  readonly secretName: string;
  /** The signing domain (for the description). */
  readonly domain: string;
  /**
   * DNS selector the key is published under (`<selector>._domainkey.<domain>`). The signing key's
   * selector travels with it in the secret, so a host switches key and selector together.
   */
  readonly selector: string;
  /**
   * Selector of a second key, made and published beside the first (a rotation: publish the new
   * key, then let it sign, while the old one stays published). @default no second key
   */
  readonly secondSelector?: string;
  /** The selector whose key goes into the secret and signs: `selector` or `secondSelector`. @default selector */
  readonly signingSelector?: string;
}

/**
 * A domain's DKIM signing key, made in Terraform: RSA 2048 (what every verifier accepts; 1024 is
 * too weak, 4096 does not fit many DNS setups). The private key goes to Secrets Manager as
 * `{"private_key": PEM, "selector"}` for OpenDKIM; the public key goes into the DKIM TXT record.
 */
export class DkimKey extends Construct {
  /** The secret with the signing key and its selector. */
  readonly secret: SecretsmanagerSecret;
  /**
   * Each published key as DKIM's `p=` wants it, by selector: base64 DER (SubjectPublicKeyInfo),
   * known at apply time.
   */
  readonly publicKeysBase64: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: DkimKeyProps) {
    super(scope, id);
    const signing = props.signingSelector ?? props.selector;
    if (signing !== props.selector && signing !== props.secondSelector) {
      throw new Error(`DkimKey ${props.domain}: signingSelector "${signing}" must be selector "${props.selector}"${props.secondSelector ? ` or secondSelector "${props.secondSelector}"` : ''}`);
    }
    if (props.secondSelector === props.selector) throw new Error(`DkimKey ${props.domain}: secondSelector must differ from selector "${props.selector}"`);
    // "Key" keeps the address the single key always had; "SecondKey" exists only during a rotation.
    const keys: Record<string, PrivateKey> = {
      [props.selector]: new PrivateKey(this, 'Key', { algorithm: 'RSA', rsaBits: 2048 }),
      ...(props.secondSelector ? { [props.secondSelector]: new PrivateKey(this, 'SecondKey', { algorithm: 'RSA', rsaBits: 2048 }) } : {}),
    };
    this.secret = new JsonSecret(this, 'PrivateKey', {
      secretName: props.secretName,
      description: `DKIM signing key of ${props.domain}`,
      kmsKeyArn: props.kmsKeyArn,
      recoveryWindowDays: props.recoveryWindowDays,
      value: { private_key: keys[signing].privateKeyPem, selector: signing },
    }).secret;
    // A PEM "PUBLIC KEY" is that base64 DER between its armour lines.
    this.publicKeysBase64 = Object.fromEntries(Object.entries(keys).map(([selector, key]) => [selector, Fn.replace(key.publicKeyPem, '/-----[A-Z ]+-----|\\n/', '')]));
  }
}
