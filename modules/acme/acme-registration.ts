import { TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { ACME_GENERATOR_METADATA, AcmeProvider } from './acme-provider';
import { argumentsToHcl, argumentsToJson, TerraformArguments } from './terraform-arguments';

/** Properties of {@link AcmeRegistration}. Every argument replaces the account when it changes. */
export interface AcmeRegistrationProps {
  /** The CA the account is registered at: one of the configurations from `declareAcmeProviders`. */
  readonly provider: AcmeProvider;
  /**
   * PEM private key that identifies the account (`account_key_pem`), e.g. a `tls_private_key`'s
   * `privateKeyPem`. Sensitive.
   * @default a key the provider generates (ECDSA P-384) and keeps in state
   */
  readonly accountKeyPem?: string;
  /**
   * Contact address (`email_address`). Let's Encrypt has sent no expiry mail since mid-2025 and the
   * provider docs advise leaving it unset for Let's Encrypt.
   * @default no contact address
   */
  readonly emailAddress?: string;
}

/**
 * An account at an ACME CA (`acme_registration`, named after ACME v1's "registration").
 * Certificates should take their `accountKeyPem` from {@link AcmeRegistration.accountKeyPem}, so
 * Terraform creates the account before it asks for a certificate.
 */
export class AcmeRegistration extends TerraformResource {
  private readonly arguments: TerraformArguments;

  constructor(scope: Construct, id: string, props: AcmeRegistrationProps) {
    super(scope, id, { terraformResourceType: 'acme_registration', terraformGeneratorMetadata: ACME_GENERATOR_METADATA, provider: props.provider });
    this.arguments = {
      account_key_pem: { type: 'string', value: props.accountKeyPem },
      email_address: { type: 'string', value: props.emailAddress },
    };
  }

  /** The account's original URL at the CA. */
  get id(): string {
    return this.getStringAttribute('id');
  }

  /** The account's private key, given or generated (sensitive). */
  get accountKeyPem(): string {
    return this.getStringAttribute('account_key_pem');
  }

  /** The account's current URL at the CA (differs from `id` only after a protocol migration). */
  get registrationUrl(): string {
    return this.getStringAttribute('registration_url');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return argumentsToJson(this.arguments);
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return argumentsToHcl(this.arguments);
  }
}
