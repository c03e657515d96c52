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

  protected constructor(scope: Construct, role: string, config: MirovoyConfig, options: { localStateOnly?: boolean } = {}) {
    const stackName = `${config.environment}-${role}`;
    super(scope, stackName);
    this.config = config;
    new AwsProvider(this, 'Aws', {
      region: config.region,
      defaultTags: [{ tags: { 'mirovoy:environment': config.environment, 'mirovoy:stack': role, ...config.tags } }],
    });
    useStateBackend(this, stackName, {
      bucket: options.localStateOnly ? undefined : config.state?.bucket,
      region: config.state?.region ?? config.region,
      keyPrefix: config.state?.keyPrefix ?? 'mirovoy-mail',
      kmsKeyArn: config.kmsKeyArn,
    });
  }
}
