import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { Construct } from 'constructs';
import { AcmeProvider, AcmeProviders, AcmeRegistration, LetsEncryptEnvironment } from '../acme';

/** Properties of {@link AcmeAccount}. */
export interface AcmeAccountProps {
  /** Both Let's Encrypt provider configurations (see `declareAcmeProviders`). */
  readonly providers: AcmeProviders;
  /** Which CA the account lives at. */
  readonly server: LetsEncryptEnvironment;
  /** Contact address. @default none (Let's Encrypt no longer sends expiry mail) */
  readonly email?: string;
}

/**
 * Our account at Let's Encrypt: an ECDSA P-256 key made in Terraform and its registration at
 * the chosen CA. The registration's resource name carries the CA, so switching from staging to
 * production registers anew (and removes the staging account) instead of editing it in place.
 */
export class AcmeAccount extends Construct {
  /** The CA the account and its certificates belong to. */
  readonly provider: AcmeProvider;
  /** Which CA that is. */
  readonly server: LetsEncryptEnvironment;
  /** The registration (its `accountKeyPem` is what certificates take). */
  readonly registration: AcmeRegistration;

  constructor(scope: Construct, id: string, props: AcmeAccountProps) {
    super(scope, id);
    const key = new PrivateKey(this, 'AccountKey', { algorithm: 'ECDSA', ecdsaCurve: 'P256' });
    this.server = props.server;
    this.provider = props.providers[props.server];
    this.registration = new AcmeRegistration(this, `Registration-${props.server}`, { provider: this.provider, accountKeyPem: key.privateKeyPem, emailAddress: props.email });
  }
}
