import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Construct } from 'constructs';
import { AcmeCertificate, AcmeCertificateKeyType, route53DnsChallenge } from '../acme';
import { JsonSecret, SecretStorageProps } from '../secrets/json-secret';
import { AcmeAccount } from './acme-account';

/** Properties of {@link MailCertificate}. */
export interface MailCertificateProps extends SecretStorageProps {
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
      // A replacement (other names, key type or account) orders the new certificate first; the
      // secret version below refers to it, so Terraform writes the new certificate into the secret
      // before it destroys — and so revokes — the old one. Destroy-first would revoke the
      // certificate the hosts serve, with no successor, and leave them so if the order then failed
      // (a rate limit, a DNS-01 error). Hosts load the new secret on their next convergence run
      // (minutes); until then they serve the old, already revoked certificate, which few mail
      // clients check (Postfix and most SMTP senders check no revocation).
      lifecycle: { createBeforeDestroy: true },
      dnsChallenge: [route53DnsChallenge({ region: props.region, hostedZoneId: props.hostedZoneId })],
    });
    this.secret = new JsonSecret(this, 'Secret', {
      secretName: props.secretName,
      description: `TLS certificate and key of ${commonName} (Let's Encrypt ${props.account.server})`,
      kmsKeyArn: props.kmsKeyArn,
      recoveryWindowDays: props.recoveryWindowDays,
      // certificate_pem is the leaf only; issuer_pem holds the intermediates.
      value: { certificate_chain: `${this.certificate.certificatePem}${this.certificate.issuerPem}`, private_key: this.certificate.privateKeyPem },
    }).secret;
  }
}
