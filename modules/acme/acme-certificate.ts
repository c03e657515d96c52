import { TerraformResource, TerraformResourceLifecycle } from 'cdktf';
import { Construct } from 'constructs';
import { ACME_GENERATOR_METADATA, AcmeProvider } from './acme-provider';
import { argumentsToHcl, argumentsToJson, TerraformArguments } from './terraform-arguments';

/** Key of the certificate: ECDSA `P256`/`P384`, or RSA with that many bits. */
export type AcmeCertificateKeyType = 'P256' | 'P384' | '2048' | '4096' | '8192';

/** One `dns_challenge` block: a lego DNS provider that writes the `_acme-challenge` TXT records. */
export interface AcmeDnsChallenge {
  /** lego's name for the DNS provider, e.g. `route53` (the provider's docs/guides/dns-providers-*.md). */
  readonly provider: string;
  /**
   * The DNS provider's settings under their environment-variable names, e.g. `AWS_REGION`
   * (sensitive as a whole in the provider schema).
   * @default none: read from the environment of the process that runs Terraform
   */
  readonly config?: Readonly<Record<string, string>>;
}

/** Properties of {@link AcmeCertificate}. */
export interface AcmeCertificateProps {
  /** The CA to ask: the same configuration as the account's. */
  readonly provider: AcmeProvider;
  /** Private key of the account (`account_key_pem`); pass `AcmeRegistration.accountKeyPem`. Replaces the certificate when it changes. */
  readonly accountKeyPem: string;
  /** Primary domain (`common_name`). At least one of this and `subjectAlternativeNames` is needed. @default the first subject alternative name */
  readonly commonName?: string;
  /** Further domains (`subject_alternative_names`, a set). @default none */
  readonly subjectAlternativeNames?: readonly string[];
  /** Key of the certificate (`key_type`). @default '2048' (RSA 2048) */
  readonly keyType?: AcmeCertificateKeyType;
  /** DNS-01 challenge providers (`dns_challenge` blocks), at least one; see {@link route53DnsChallenge}. */
  readonly dnsChallenge: readonly AcmeDnsChallenge[];
  /** Resolvers, as `host:port`, for the check that the TXT records have propagated (`recursive_nameservers`). @default the system's resolvers */
  readonly recursiveNameservers?: readonly string[];
  /** Skip the propagation check against the zone's authoritative servers (`disable_complete_propagation`). @default false */
  readonly disableCompletePropagation?: boolean;
  /** Seconds to wait after each challenge record, per domain, before validation (`pre_check_delay`). @default 0 */
  readonly preCheckDelay?: number;
  /** Renew on the first `terraform apply` once fewer days than this remain (`min_days_remaining`); negative: never. @default 30 */
  readonly minDaysRemaining?: number;
  /** Revoke the certificate when it is destroyed or replaced (`revoke_certificate_on_destroy`). @default true */
  readonly revokeCertificateOnDestroy?: boolean;
  /** Common name of the root of an alternate chain to prefer, if the CA offers one (`preferred_chain`). @default '' (the CA's default chain) */
  readonly preferredChain?: string;
  /** Seconds to wait for the certificate once the challenges are done (`cert_timeout`). @default 30 */
  readonly certTimeout?: number;
  /** Terraform's `lifecycle` meta-argument, e.g. `{ createBeforeDestroy: true }`. @default none */
  readonly lifecycle?: TerraformResourceLifecycle;
}

/** A certificate issued by an ACME CA after DNS-01 challenges (`acme_certificate`). */
export class AcmeCertificate extends TerraformResource {
  private readonly arguments: TerraformArguments;

  constructor(scope: Construct, id: string, props: AcmeCertificateProps) {
    super(scope, id, { terraformResourceType: 'acme_certificate', terraformGeneratorMetadata: ACME_GENERATOR_METADATA, provider: props.provider, lifecycle: props.lifecycle });
    rejectMissingDomainOrChallenge(this.node.path, props);
    this.arguments = {
      account_key_pem: { type: 'string', value: props.accountKeyPem },
      common_name: { type: 'string', value: props.commonName },
      subject_alternative_names: { type: 'stringSet', value: props.subjectAlternativeNames },
      key_type: { type: 'string', value: props.keyType },
      dns_challenge: {
        type: 'blockList',
        value: props.dnsChallenge.map((challenge) => ({
          provider: { type: 'string', value: challenge.provider },
          config: { type: 'stringMap', value: challenge.config },
        })),
      },
      recursive_nameservers: { type: 'stringList', value: props.recursiveNameservers },
      disable_complete_propagation: { type: 'bool', value: props.disableCompletePropagation },
      pre_check_delay: { type: 'number', value: props.preCheckDelay },
      min_days_remaining: { type: 'number', value: props.minDaysRemaining },
      revoke_certificate_on_destroy: { type: 'bool', value: props.revokeCertificateOnDestroy },
      preferred_chain: { type: 'string', value: props.preferredChain },
      cert_timeout: { type: 'number', value: props.certTimeout },
    };
  }

  /** A UUID naming the resource in state (not the certificate's URL). */
  get id(): string {
    return this.getStringAttribute('id');
  }

  /** The certificate alone, in PEM; append {@link AcmeCertificate.issuerPem} for the full chain a server sends. */
  get certificatePem(): string {
    return this.getStringAttribute('certificate_pem');
  }

  /** The issuer's intermediate certificates, in PEM. */
  get issuerPem(): string {
    return this.getStringAttribute('issuer_pem');
  }

  /** The certificate's private key, in PEM (sensitive). */
  get privateKeyPem(): string {
    return this.getStringAttribute('private_key_pem');
  }

  /** The certificate's URL at the CA. */
  get certificateUrl(): string {
    return this.getStringAttribute('certificate_url');
  }

  /** The certificate's common name. */
  get certificateDomain(): string {
    return this.getStringAttribute('certificate_domain');
  }

  /** Expiry time, RFC 3339. */
  get certificateNotAfter(): string {
    return this.getStringAttribute('certificate_not_after');
  }

  /** Serial number as the CA reports it. */
  get certificateSerial(): string {
    return this.getStringAttribute('certificate_serial');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return argumentsToJson(this.arguments);
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return argumentsToHcl(this.arguments);
  }
}

/** The provider's AtLeastOneOf rules (not in its JSON schema) for the arguments bound here. */
const rejectMissingDomainOrChallenge = (path: string, props: AcmeCertificateProps): void => {
  const problems = [
    ...(props.commonName || props.subjectAlternativeNames?.length
      ? []
      : ['no domain: set commonName or subjectAlternativeNames (acme_certificate needs at least one)']),
    ...(props.dnsChallenge.length ? [] : ['dnsChallenge is empty: give at least one, e.g. route53DnsChallenge({ region })']),
  ];
  if (problems.length) throw new Error(`AcmeCertificate ${path}: ${problems.join('; ')}`);
};

/** Properties of {@link route53DnsChallenge}. */
export interface Route53DnsChallengeProps {
  /** Region for lego's AWS client (`AWS_REGION`); Route 53 itself is global. */
  readonly region: string;
  /** Hosted zone for the TXT records (`AWS_HOSTED_ZONE_ID`). @default the public zone lego finds for each domain */
  readonly hostedZoneId?: string;
  /** Named profile in the shared AWS config files (`AWS_PROFILE`). @default the AWS SDK's default credential chain */
  readonly profile?: string;
}

/**
 * A `route53` DNS challenge (docs/guides/dns-providers-route53.md). lego's Route 53 client runs
 * inside the acme provider and does not share the AWS provider's configuration: it finds credentials
 * the AWS SDK way (environment, shared files, instance role) of whoever runs Terraform, which needs
 * route53:GetChange, ListHostedZonesByName, ListResourceRecordSets and ChangeResourceRecordSets.
 */
export const route53DnsChallenge = (props: Route53DnsChallengeProps): AcmeDnsChallenge => {
  const settings = { AWS_REGION: props.region, AWS_HOSTED_ZONE_ID: props.hostedZoneId, AWS_PROFILE: props.profile };
  return {
    provider: 'route53',
    config: Object.fromEntries(Object.entries(settings).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  };
};
