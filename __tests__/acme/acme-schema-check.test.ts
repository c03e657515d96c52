import { AcmeCertificate } from '../../modules/acme';
import { checkAgainstAcmeSchema } from './acme-schema-check';
import { declareMailCertificate } from './readme-example';
import { SynthesizedStack, synthStack } from './synth-stack';

/** The checker must fail on each of these, so a pass on the bindings means something. */
describe('checkAgainstAcmeSchema finds what is wrong', () => {
  const good = synthStack((stack) => declareMailCertificate(stack, 'staging'));
  const CERTIFICATE = 'resource.acme_certificate.MailCertificateStaging';

  /** A copy of the good stack with one mutation applied to its JSON. */
  const mutated = (mutate: (json: Record<string, any>) => void): SynthesizedStack => {
    const copy = structuredClone(good) as Record<string, any>;
    mutate(copy);
    return copy as SynthesizedStack;
  };
  const certificateOf = (json: Record<string, any>) => json.resource.acme_certificate.MailCertificateStaging;

  it('passes the unchanged stack (so each case below fails for its mutation alone)', () => {
    expect(checkAgainstAcmeSchema(good)).toEqual([]);
  });

  it.each<[string, (json: Record<string, any>) => void, string[]]>([
    [
      'a misspelled argument',
      (json) => {
        const certificate = certificateOf(json);
        certificate.comon_name = certificate.common_name;
        delete certificate.common_name;
      },
      [`${CERTIFICATE}.comon_name: no such argument or block in vancluever/acme 2.48.3`],
    ],
    ['a missing required argument', (json) => delete certificateOf(json).account_key_pem, [`${CERTIFICATE}.account_key_pem: required, missing`]],
    ['a computed-only attribute set', (json) => (certificateOf(json).certificate_pem = 'x'), [`${CERTIFICATE}.certificate_pem: computed-only, cannot be set`]],
    ['a list block written as an object', (json) => (certificateOf(json).dns_challenge = certificateOf(json).dns_challenge[0]), [`${CERTIFICATE}.dns_challenge: a list block is written as an array of objects`]],
    [
      'a misspelled key inside a block',
      (json) => (certificateOf(json).dns_challenge = [{ provder: 'route53' }]),
      [`${CERTIFICATE}.dns_challenge[0].provder: no such argument or block in vancluever/acme 2.48.3`, `${CERTIFICATE}.dns_challenge[0].provider: required, missing`],
    ],
    ['a set written as a string', (json) => (certificateOf(json).subject_alternative_names = 'mx1.example.com'), [`${CERTIFICATE}.subject_alternative_names: expected a set`]],
    ['a number written as a string', (json) => (certificateOf(json).min_days_remaining = '30'), [`${CERTIFICATE}.min_days_remaining: "30" is not a number`]],
    ['a map value that is not a string', (json) => (certificateOf(json).dns_challenge[0].config.AWS_TTL = 10), [`${CERTIFICATE}.dns_challenge[0].config.AWS_TTL: 10 is not a string`]],
    [
      'more blocks than max_items',
      (json) => (json.resource.acme_registration.AcmeAccountStaging.external_account_binding = [{ key_id: 'a', hmac_base64: 'b' }, { key_id: 'c', hmac_base64: 'd' }]),
      ['resource.acme_registration.AcmeAccountStaging.external_account_binding: 2 blocks, at most 1 allowed'],
    ],
    ['a misspelled provider argument', (json) => (json.provider.acme[0] = { alias: 'staging', serverurl: 'x' }), ['provider.acme[0].serverurl: no such argument or block in vancluever/acme 2.48.3', 'provider.acme[0].server_url: required, missing']],
    ['an unknown acme resource type', (json) => (json.resource.acme_certificates = { Extra: {} }), ['resource.acme_certificates: no such resource type in vancluever/acme 2.48.3']],
  ])('%s', (_, mutate, problems) => {
    expect(checkAgainstAcmeSchema(mutated(mutate))).toEqual(problems);
  });

  it('finds a misspelled key that a construct writes through an override', () => {
    const stack = synthStack((s) => {
      const certificate: AcmeCertificate = declareMailCertificate(s, 'production');
      certificate.addOverride('min_days_remainig', 20);
    });
    expect(checkAgainstAcmeSchema(stack)).toEqual(['resource.acme_certificate.MailCertificateProduction.min_days_remainig: no such argument or block in vancluever/acme 2.48.3']);
  });
});
