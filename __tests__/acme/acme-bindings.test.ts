import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import {
  ACME_PROVIDER_SOURCE,
  ACME_PROVIDER_VERSION,
  AcmeCertificate,
  AcmeCertificateProps,
  AcmeRegistration,
  declareAcmeProviders,
  LETS_ENCRYPT_DIRECTORY_URLS,
  route53DnsChallenge,
} from '../../modules/acme';
import { acmeProviderSchema, checkAgainstAcmeSchema } from './acme-schema-check';
import { declareMailCertificate } from './readme-example';
import { newStack, SynthesizedStack, synthStack } from './synth-stack';

const ACCOUNT_KEY = '-----BEGIN EC PRIVATE KEY-----\ntest\n-----END EC PRIVATE KEY-----\n';

/** A production account and a certificate that sets every argument the bindings bind, plus minimal staging ones. */
const declareEveryBoundArgument = (stack: TerraformStack): { account: AcmeRegistration; certificate: AcmeCertificate } => {
  const acme = declareAcmeProviders(stack);
  const account = new AcmeRegistration(stack, 'Account', { provider: acme.production, accountKeyPem: ACCOUNT_KEY, emailAddress: 'postmaster@example.com' });
  const certificate = new AcmeCertificate(stack, 'Certificate', {
    provider: acme.production,
    accountKeyPem: account.accountKeyPem,
    commonName: 'mail.example.com',
    subjectAlternativeNames: ['mx1.example.com', 'mx2.example.com'],
    keyType: 'P384',
    dnsChallenge: [route53DnsChallenge({ region: 'eu-west-1', hostedZoneId: 'Z0123456789EXAMPLE', profile: 'mail-dns' }), { provider: 'route53' }],
    recursiveNameservers: ['1.1.1.1:53', '8.8.8.8:53'],
    disableCompletePropagation: true,
    preCheckDelay: 10,
    minDaysRemaining: 45,
    revokeCertificateOnDestroy: false,
    preferredChain: 'ISRG Root X1',
    certTimeout: 60,
  });
  const generatedKeyAccount = new AcmeRegistration(stack, 'GeneratedKeyAccount', { provider: acme.staging });
  new AcmeCertificate(stack, 'SanOnlyCertificate', {
    provider: acme.staging,
    accountKeyPem: generatedKeyAccount.accountKeyPem,
    subjectAlternativeNames: ['mail.example.com'],
    dnsChallenge: [{ provider: 'route53' }],
  });
  return { account, certificate };
};

describe('acme bindings: synthesized JSON matches the provider schema', () => {
  const stacks: Record<string, SynthesizedStack> = {
    'every bound argument': synthStack(declareEveryBoundArgument),
    'README example, staging': synthStack((stack) => declareMailCertificate(stack, 'staging')),
    'README example, production': synthStack((stack) => declareMailCertificate(stack, 'production')),
  };

  it.each(Object.keys(stacks))('%s: no schema problems', (name) => {
    const stack = stacks[name];
    expect(Object.keys(stack.resource?.acme_certificate ?? {}).length).toBeGreaterThan(0);
    expect(checkAgainstAcmeSchema(stack)).toEqual([]);
  });

  it('writes every bound argument of acme_certificate, so the schema check covers them all', () => {
    const certificate = stacks['every bound argument'].resource!.acme_certificate.Certificate;
    expect(Object.keys(certificate).filter((key) => key !== 'provider').sort()).toEqual(
      [
        'account_key_pem',
        'cert_timeout',
        'common_name',
        'disable_complete_propagation',
        'dns_challenge',
        'key_type',
        'min_days_remaining',
        'pre_check_delay',
        'preferred_chain',
        'recursive_nameservers',
        'revoke_certificate_on_destroy',
        'subject_alternative_names',
      ].sort(),
    );
    expect(certificate).toMatchObject({
      account_key_pem: '${acme_registration.Account.account_key_pem}',
      key_type: 'P384',
      min_days_remaining: 45,
      revoke_certificate_on_destroy: false,
      dns_challenge: [
        { provider: 'route53', config: { AWS_REGION: 'eu-west-1', AWS_HOSTED_ZONE_ID: 'Z0123456789EXAMPLE', AWS_PROFILE: 'mail-dns' } },
        { provider: 'route53' },
      ],
    });
  });

  it('writes both arguments of acme_registration, and none when the provider generates the key', () => {
    const registrations = stacks['every bound argument'].resource!.acme_registration;
    expect(registrations.Account).toMatchObject({ account_key_pem: ACCOUNT_KEY, email_address: 'postmaster@example.com' });
    expect(registrations.GeneratedKeyAccount).toEqual({ provider: 'acme.staging' });
  });
});

describe('acme bindings: provider configurations', () => {
  const stack = synthStack(declareEveryBoundArgument);

  it('requires vancluever/acme at the pinned version, the version the schema fixture was written from', () => {
    expect(stack.terraform.required_providers.acme).toEqual({ source: 'vancluever/acme', version: '2.48.3' });
    expect([acmeProviderSchema.provider_source, acmeProviderSchema.provider_version]).toEqual([ACME_PROVIDER_SOURCE, ACME_PROVIDER_VERSION]);
  });

  it("declares Let's Encrypt staging and production under their own aliases", () => {
    expect(stack.provider?.acme).toEqual([
      { alias: 'staging', server_url: 'https://acme-staging-v02.api.letsencrypt.org/directory' },
      { alias: 'production', server_url: 'https://acme-v02.api.letsencrypt.org/directory' },
    ]);
    expect(LETS_ENCRYPT_DIRECTORY_URLS).toEqual({ staging: stack.provider?.acme[0].server_url, production: stack.provider?.acme[1].server_url });
  });

  it('sends each resource to the configuration it was given', () => {
    const resources = stack.resource!;
    expect(resources.acme_registration.Account.provider).toBe('acme.production');
    expect(resources.acme_certificate.Certificate.provider).toBe('acme.production');
    expect(resources.acme_registration.GeneratedKeyAccount.provider).toBe('acme.staging');
    expect(resources.acme_certificate.SanOnlyCertificate.provider).toBe('acme.staging');
  });

  it('README example: switching environment changes the provider and the resource addresses together', () => {
    const staging = synthStack((s) => declareMailCertificate(s, 'staging')).resource!;
    const production = synthStack((s) => declareMailCertificate(s, 'production')).resource!;
    expect(staging.acme_certificate.MailCertificateStaging.provider).toBe('acme.staging');
    expect(production.acme_certificate.MailCertificateProduction.provider).toBe('acme.production');
    expect(production.acme_registration.AcmeAccountProduction.account_key_pem).toBe('${tls_private_key.AcmeAccountKey.private_key_pem}');
  });
});

describe('acme bindings: computed attributes are references', () => {
  const certificateAttributes: [keyof AcmeCertificate & string, string][] = [
    ['id', 'id'],
    ['certificatePem', 'certificate_pem'],
    ['issuerPem', 'issuer_pem'],
    ['privateKeyPem', 'private_key_pem'],
    ['certificateUrl', 'certificate_url'],
    ['certificateDomain', 'certificate_domain'],
    ['certificateNotAfter', 'certificate_not_after'],
    ['certificateSerial', 'certificate_serial'],
  ];
  const registrationAttributes: [keyof AcmeRegistration & string, string][] = [
    ['id', 'id'],
    ['accountKeyPem', 'account_key_pem'],
    ['registrationUrl', 'registration_url'],
  ];
  const outputs = synthStack((stack) => {
    const { account, certificate } = declareEveryBoundArgument(stack);
    for (const [getter] of certificateAttributes) new TerraformOutput(stack, `certificate_${getter}`, { value: certificate[getter], sensitive: true });
    for (const [getter] of registrationAttributes) new TerraformOutput(stack, `account_${getter}`, { value: account[getter], sensitive: true });
  }).output!;

  it.each(certificateAttributes)('AcmeCertificate.%s is ${acme_certificate.Certificate.%s}', (getter, attribute) => {
    expect(outputs[`certificate_${getter}`].value).toBe(`\${acme_certificate.Certificate.${attribute}}`);
  });

  it.each(registrationAttributes)('AcmeRegistration.%s is ${acme_registration.Account.%s}', (getter, attribute) => {
    expect(outputs[`account_${getter}`].value).toBe(`\${acme_registration.Account.${attribute}}`);
  });

  it('every getter reads an attribute the schema has', () => {
    const { acme_certificate, acme_registration } = acmeProviderSchema.resource_schemas;
    expect(certificateAttributes.map(([, attribute]) => attribute).filter((attribute) => !acme_certificate.block.attributes[attribute])).toEqual([]);
    expect(registrationAttributes.map(([, attribute]) => attribute).filter((attribute) => !acme_registration.block.attributes[attribute])).toEqual([]);
  });
});

describe('acme bindings: early errors for what the JSON schema cannot say', () => {
  const certificate = (props: Partial<AcmeCertificateProps>) => () =>
    synthStack((stack) => {
      const acme = declareAcmeProviders(stack);
      new AcmeCertificate(stack, 'Certificate', { provider: acme.staging, accountKeyPem: ACCOUNT_KEY, commonName: 'mail.example.com', dnsChallenge: [{ provider: 'route53' }], ...props });
    });

  it('rejects a certificate without a domain, naming the fix', () => {
    expect(certificate({ commonName: undefined, subjectAlternativeNames: [] })).toThrow(
      'AcmeCertificate acme-test/Certificate: no domain: set commonName or subjectAlternativeNames (acme_certificate needs at least one)',
    );
  });

  it('rejects a certificate without a challenge, naming the fix', () => {
    expect(certificate({ dnsChallenge: [] })).toThrow('AcmeCertificate acme-test/Certificate: dnsChallenge is empty: give at least one, e.g. route53DnsChallenge({ region })');
  });

  it('reports both problems at once', () => {
    expect(certificate({ commonName: undefined, dnsChallenge: [] })).toThrow(/no domain: .*; dnsChallenge is empty/);
  });
});

describe('route53DnsChallenge', () => {
  it('passes only the settings it is given, under lego route53 variable names', () => {
    expect(route53DnsChallenge({ region: 'eu-west-1' })).toEqual({ provider: 'route53', config: { AWS_REGION: 'eu-west-1' } });
    expect(route53DnsChallenge({ region: 'us-east-1', hostedZoneId: 'Z1', profile: 'dns' })).toEqual({
      provider: 'route53',
      config: { AWS_REGION: 'us-east-1', AWS_HOSTED_ZONE_ID: 'Z1', AWS_PROFILE: 'dns' },
    });
  });
});

describe('acme bindings: HCL synthesis (`cdktf synth --hcl`) writes the same arguments', () => {
  const stack = newStack();
  declareEveryBoundArgument(stack);
  const hcl: string = Testing.synthHcl(stack, true);

  it.each([
    'server_url = "https://acme-v02.api.letsencrypt.org/directory"',
    'alias = "production"',
    'email_address = "postmaster@example.com"',
    'key_type = "P384"',
    'min_days_remaining = 45',
    'revoke_certificate_on_destroy = false',
    'dns_challenge {',
    'provider = "route53"',
    'AWS_HOSTED_ZONE_ID = "Z0123456789EXAMPLE"',
    '"1.1.1.1:53"',
    '"mx2.example.com"',
  ])('contains %s', (line) => {
    expect(hcl).toContain(line);
  });

  it('writes one dns_challenge block a challenge (two for one certificate, one for the other)', () => {
    expect(hcl.match(/dns_challenge \{/g)).toHaveLength(3);
  });
});
