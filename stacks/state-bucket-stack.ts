import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { MirovoyConfig } from '../configs/schema';
import { StateBucket } from '../modules/state/state-bucket';
import { MirovoyStack } from './mirovoy-stack';

/**
 * Bootstrap: creates the bucket the other stacks keep their state in. Its own state is local
 * (the bucket cannot hold the state of its own creation); apply it once, before the others.
 */
export class StateBucketStack extends MirovoyStack {
  constructor(scope: Construct, config: MirovoyConfig & { state: { bucket: string } }) {
    super(scope, 'state-bucket', config, { localStateOnly: true });
    const stateBucket = new StateBucket(this, 'StateBucket', {
      bucketName: config.state.bucket,
      // The key the other stacks' backends write with (MirovoyStack).
      kmsKeyArn: config.kmsKeyArn,
      noncurrentVersionExpirationDays: config.state.noncurrentVersionExpirationDays,
    });
    new TerraformOutput(this, 'state_bucket_name', { value: stateBucket.bucket.bucket, description: 'Bucket that holds Terraform state' });
    new TerraformOutput(this, 'state_bucket_arn', { value: stateBucket.bucket.arn, description: 'ARN of the state bucket' });
  }
}
