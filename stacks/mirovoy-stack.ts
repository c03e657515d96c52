import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { MirovoyConfig } from '../configs/schema';
import { useStateBackend } from '../modules/state/backend';

/**
 * Base of every stack: named `<environment>-<role>`, with the AWS provider for the config's
 * region (every resource tagged with the environment) and the configured state backend.
 */
export abstract class MirovoyStack extends TerraformStack {
  /** The validated configuration the stack is built from. */
  readonly config: MirovoyConfig;
  private readonly defaultTags: Readonly<Record<string, string>>;

  protected constructor(scope: Construct, role: string, config: MirovoyConfig, options: { localStateOnly?: boolean } = {}) {
    const stackName = `${config.environment}-${role}`;
    super(scope, stackName);
    this.config = config;
    this.defaultTags = { 'mirovoy:environment': config.environment, 'mirovoy:stack': role, ...config.tags };
    new AwsProvider(this, 'Aws', { region: config.region, defaultTags: [{ tags: this.defaultTags }] });
    useStateBackend(this, stackName, {
      bucket: options.localStateOnly ? undefined : config.state?.bucket,
      region: config.state?.region ?? config.region,
      keyPrefix: config.state?.keyPrefix ?? 'mirovoy-mail',
      kmsKeyArn: config.kmsKeyArn,
    });
  }

  /** An AWS provider for another region (`provider = aws.<alias>`), tagging like the stack's own. */
  protected providerInRegion(alias: string, region: string): AwsProvider {
    return new AwsProvider(this, `Aws-${alias}`, { alias, region, defaultTags: [{ tags: this.defaultTags }] });
  }
}
