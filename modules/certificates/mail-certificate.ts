import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Construct } from 'constructs';
import { AcmeCertificate, AcmeCertificateKeyType, route53DnsChallenge } from '../acme';
import { JsonSecret } from '../secrets/json-secret';
import { AcmeAccount } from './acme-account';

/** Properties of {@link MailCertificate}. */
export interface MailCertificateProps {
  /** The ACME account that orders the certificate. */
  readonly account: AcmeAccount;
  /** Names in the certificate; the first is its common name (the host's own name). */
  readonly names: readonly string[];
  /** Key of the certificate. */
  readonly keyType: AcmeCertificateKeyType;
  /** Renew on any `terraform apply` once fewer days than this remain. */
  readonly minDaysRemaining: number;
  /** Region for the DNS challenge's Route53 client. */
  readonly region: string;
  /** Route53 zone holding every name (where the `_acme-challenge` records go). */
  readonly hostedZoneId: string;
  /** Secret name, e.g. `mail-prod/tls/mx1.example.com`. */
  readonly secretName: string;
  /** Customer KMS key for the secret. @default the AWS-managed Secrets Manager key */
  readonly kmsKeyArn?: string;
}

/**
 * A mail host's Let's Encrypt certificate, issued in Terraform with Route53 DNS-01 and renewed
 * by any `terraform apply` within `minDaysRemaining` of expiry. The host reads it from Secrets
 * Manager as `{"certificate_chain": leaf + intermediates, "private_key": PEM}` at boot and daily
 * (reloading Postfix and Dovecot when it changed); it never passes through user data.
 */
export class MailCertificate extends Construct {
  /** The certificate (its `certificateNotAfter` is safe to output). */
  readonly certificate: AcmeCertificate;
  /** The secret the host reads. */
  readonly secret: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: MailCertificateProps) {
    super(scope, id);
    const [commonName, ...alternativeNames] = props.names;
    this.certificate = new AcmeCertificate(this, `Certificate-${props.account.server}`, {
      provider: props.account.provider,
      accountKeyPem: props.account.registration.accountKeyPem,
      commonName,
      subjectAlternativeNames: alternativeNames,
      keyType: props.keyType,
      minDaysRemaining: props.minDaysRemaining,
      revokeCertificateOnDestroy: true,
      dnsChallenge: [route53DnsChallenge({ region: props.region, hostedZoneId: props.hostedZoneId })],
    });
    this.secret = new JsonSecret(this, 'Secret', {
      secretName: props.secretName,
      description: `TLS certificate and key of ${commonName} (Let's Encrypt ${props.account.server})`,
      kmsKeyArn: props.kmsKeyArn,
      // certificate_pem is the leaf only; issuer_pem holds the intermediates.
      value: { certificate_chain: `${this.certificate.certificatePem}${this.certificate.issuerPem}`, private_key: this.certificate.privateKeyPem },
    }).secret;
  }
}
