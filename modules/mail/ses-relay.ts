import { IamAccessKey } from '@cdktf/provider-aws/lib/iam-access-key';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SesDomainDkim } from '@cdktf/provider-aws/lib/ses-domain-dkim';
import { SesDomainIdentity } from '@cdktf/provider-aws/lib/ses-domain-identity';
import { SesDomainMailFrom } from '@cdktf/provider-aws/lib/ses-domain-mail-from';
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import { ResolvedZone } from '../dns/hosted-zones';
import { JsonSecret, SecretStorageProps } from '../secrets/json-secret';

/** Properties of {@link SesRelay}. */
export interface SesRelayProps extends SecretStorageProps {
  /** AWS name prefix, e.g. `mail-prod`. */
  readonly name: string;
  /** Region of the SES endpoint. */
  readonly region: string;
  /** Each mail domain with the zone that holds its records. */
  readonly domains: readonly { readonly domain: string; readonly zone: ResolvedZone }[];
  /** Time to live of the records, in seconds. */
  readonly ttl: number;
  /** Secret name of the SMTP credentials. */
  readonly secretName: string;
  /**
   * The addresses the hosts send from (their Elastic IPs), at least one. The SMTP credentials work
   * from these only (`aws:SourceIp`), so a leaked password is of no use elsewhere.
   */
  readonly sendingSourceIps: readonly string[];
  /** Replace existing record sets of the same name and type (Route53's `allow_overwrite`). @default false */
  readonly allowOverwrite?: boolean;
}

/** SES signs with three Easy DKIM keys per domain. */
const SES_DKIM_KEY_COUNT = 3;

/**
 * Outgoing mail through Amazon SES: a verified identity per domain with Easy DKIM and a custom
 * MAIL FROM domain (`bounce.<domain>`, so SPF passes for SES's envelope), the DNS records for
 * all of that, and SMTP credentials of an IAM user that may only send as these domains, kept
 * in Secrets Manager as `{"username","password"}` for Postfix. Our own DKIM signature (OpenDKIM,
 * `d=<domain>`) stays on every message, so DMARC aligns either way.
 *
 * New SES accounts are in the sandbox (only verified recipients): ask AWS for production access.
 */
export class SesRelay extends Construct {
  /** The secret with the SMTP credentials. */
  readonly secret: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: SesRelayProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.sendingSourceIps) && props.sendingSourceIps.length === 0) {
      throw new Error(`SesRelay ${this.node.path}: sendingSourceIps is empty; give the addresses the hosts send from (their Elastic IPs)`);
    }
    const record = (id: string, zone: ResolvedZone, name: string, type: string, records: string[]) =>
      new Route53Record(this, id, { zoneId: zone.zoneId, name, type, ttl: props.ttl, records, allowOverwrite: props.allowOverwrite || undefined });

    const identities = props.domains.map(({ domain, zone }) => {
      const label = domain.replace(/\./g, '-');
      const identity = new SesDomainIdentity(this, `Identity-${label}`, { domain });
      record(`Verification-${label}`, zone, `_amazonses.${domain}`, 'TXT', [identity.verificationToken]);
      const dkim = new SesDomainDkim(this, `Dkim-${label}`, { domain: identity.domain });
      for (let i = 0; i < SES_DKIM_KEY_COUNT; i++) {
        const token = Fn.element(dkim.dkimTokens, i);
        record(`DkimKey${i + 1}-${label}`, zone, `${token}._domainkey.${domain}`, 'CNAME', [`${token}.dkim.amazonses.com`]);
      }
      // Should its MX record go missing, SES falls back to its own MAIL FROM (DKIM still aligns)
      // rather than refusing mail.
      const mailFrom = new SesDomainMailFrom(this, `MailFrom-${label}`, { domain: identity.domain, mailFromDomain: `bounce.${domain}`, behaviorOnMxFailure: 'UseDefaultValue' });
      record(`MailFromMx-${label}`, zone, mailFrom.mailFromDomain, 'MX', [`10 feedback-smtp.${props.region}.amazonses.com`]);
      record(`MailFromSpf-${label}`, zone, mailFrom.mailFromDomain, 'TXT', ['v=spf1 include:amazonses.com -all']);
      return identity;
    });

    const user = new IamUser(this, 'SmtpUser', { name: `${props.name}-ses-smtp` });
    new IamUserPolicy(this, 'SmtpUserPolicy', {
      user: user.name,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'ses:SendRawEmail',
            Resource: identities.map((identity) => identity.arn),
            // SES checks the SMTP client's address against the user's policy: only the hosts may send.
            // https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html
            Condition: { IpAddress: { 'aws:SourceIp': props.sendingSourceIps } },
          },
        ],
      }),
    });
    const key = new IamAccessKey(this, 'SmtpKey', { user: user.name });
    this.secret = new JsonSecret(this, 'SmtpCredentials', {
      secretName: props.secretName,
      description: 'SMTP credentials for Amazon SES (Postfix relay)',
      kmsKeyArn: props.kmsKeyArn,
      recoveryWindowDays: props.recoveryWindowDays,
      value: { username: key.id, password: key.sesSmtpPasswordV4 },
    }).secret;
  }
}
