import { TerraformProvider, TerraformProviderGeneratorMetadata } from 'cdktf';
import { Construct } from 'constructs';
import { argumentsToHcl, argumentsToJson, TerraformArguments } from './terraform-arguments';

/**
 * The vancluever/acme release these bindings follow: hand-written from the docs and Go schema at tag
 * v2.48.3 (commit 2c91f4b, 2026-07-10; see README.md and acme-provider-schema.json). It is pinned
 * exactly in `required_providers`, so a provider upgrade is a reviewed change to this line.
 */
export const ACME_PROVIDER_VERSION = '2.48.3';

/** Registry address of the provider. */
export const ACME_PROVIDER_SOURCE = 'vancluever/acme';

/**
 * What cdktf reads from every acme element: the provider-presence check matches `providerName`, and
 * `required_providers.acme.version` is `providerVersion`.
 */
export const ACME_GENERATOR_METADATA: TerraformProviderGeneratorMetadata = { providerName: 'acme', providerVersion: ACME_PROVIDER_VERSION };

/** Let's Encrypt's ACME directory URLs (https://letsencrypt.org/docs/environments/). */
export const LETS_ENCRYPT_DIRECTORY_URLS = {
  /** Untrusted certificates, generous rate limits: for trying things out. */
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  /** Publicly trusted certificates. */
  production: 'https://acme-v02.api.letsencrypt.org/directory',
} as const;

/** A Let's Encrypt environment: `staging` or `production`. */
export type LetsEncryptEnvironment = keyof typeof LETS_ENCRYPT_DIRECTORY_URLS;

/** Properties of {@link AcmeProvider}. */
export interface AcmeProviderProps {
  /** URL of the ACME server's directory (`server_url`), e.g. one of {@link LETS_ENCRYPT_DIRECTORY_URLS}. */
  readonly serverUrl: string;
  /** Alias of this provider configuration; resources choose a configuration with their `provider` prop. @default none: the unaliased `acme` configuration */
  readonly alias?: string;
}

/** A `provider "acme"` configuration: one ACME CA. */
export class AcmeProvider extends TerraformProvider {
  /** URL of the CA's directory. */
  readonly serverUrl: string;
  private readonly aliasName?: string;

  constructor(scope: Construct, id: string, props: AcmeProviderProps) {
    super(scope, id, { terraformResourceType: 'acme', terraformGeneratorMetadata: ACME_GENERATOR_METADATA, terraformProviderSource: ACME_PROVIDER_SOURCE });
    this.serverUrl = props.serverUrl;
    this.aliasName = props.alias;
  }

  /** The alias, written by cdktf as the `alias` meta-argument and used in resources' `provider = "acme.<alias>"`. */
  override get alias(): string | undefined {
    return this.aliasName;
  }

  private get arguments(): TerraformArguments {
    return { server_url: { type: 'string', value: this.serverUrl } };
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return argumentsToJson(this.arguments);
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return argumentsToHcl(this.arguments);
  }
}

/** The two Let's Encrypt provider configurations, by environment. */
export type AcmeProviders = Readonly<Record<LetsEncryptEnvironment, AcmeProvider>>;

/**
 * Declares `provider "acme"` twice, aliased `staging` and `production`, and returns both; resources
 * pick one with their `provider` prop.
 *
 * Why two configurations and not one whose `server_url` follows the config: an account and its
 * certificates belong to one CA, and the provider looks them up at whatever `server_url` says, so
 * changing the URL under existing state points it at a CA where they do not exist (the provider's
 * registration docs warn of exactly this). With both declared, switching environment means new
 * resources under the other alias, while the old ones are still destroyed (and revoked) through
 * their own alias, which Terraform can only do while that configuration is still declared.
 */
export const declareAcmeProviders = (scope: Construct): AcmeProviders => ({
  staging: new AcmeProvider(scope, 'AcmeStaging', { serverUrl: LETS_ENCRYPT_DIRECTORY_URLS.staging, alias: 'staging' }),
  production: new AcmeProvider(scope, 'AcmeProduction', { serverUrl: LETS_ENCRYPT_DIRECTORY_URLS.production, alias: 'production' }),
});
