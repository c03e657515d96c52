/**
 * The usage example of modules/acme/README.md, kept here so that `tsc` compiles it and the tests
 * synthesize it; readme.test.ts checks that the README shows this text unchanged.
 */
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { TerraformStack } from 'cdktf';
import { AcmeCertificate, AcmeRegistration, declareAcmeProviders, LetsEncryptEnvironment, route53DnsChallenge } from '../../modules/acme';

// README example: from here to the end of the file.
/** A mail-host certificate from Let's Encrypt, validated through Route 53. */
export const declareMailCertificate = (stack: TerraformStack, environment: LetsEncryptEnvironment): AcmeCertificate => {
  const acme = declareAcmeProviders(stack); // always both configurations (see below)
  new TlsProvider(stack, 'Tls');
  const accountKey = new PrivateKey(stack, 'AcmeAccountKey', { algorithm: 'ECDSA', ecdsaCurve: 'P384' });
  // The environment is part of the IDs: switching it replaces the account and the certificate.
  const at = environment === 'production' ? 'Production' : 'Staging';
  const account = new AcmeRegistration(stack, `AcmeAccount${at}`, { provider: acme[environment], accountKeyPem: accountKey.privateKeyPem });
  return new AcmeCertificate(stack, `MailCertificate${at}`, {
    provider: acme[environment],
    accountKeyPem: account.accountKeyPem, // not accountKey's: this orders the certificate after the account
    commonName: 'mail.example.com',
    subjectAlternativeNames: ['mx1.example.com'],
    keyType: 'P256',
    dnsChallenge: [route53DnsChallenge({ region: 'eu-west-1', hostedZoneId: 'Z0123456789EXAMPLE' })],
  });
};
