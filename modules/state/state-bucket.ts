import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { Construct } from 'constructs';
import { protectBucket } from '../storage/bucket-protection';

/** Properties of {@link StateBucket}. */
export interface StateBucketProps {
  /** Bucket name. */
  readonly bucketName: string;
  /** Customer KMS key. @default SSE-S3 */
  readonly kmsKeyArn?: string;
}

/** The S3 bucket that holds Terraform state: versioned, encrypted, never public. */
export class StateBucket extends Construct {
  /** The bucket. */
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'Bucket', { bucket: props.bucketName, lifecycle: { preventDestroy: true } });
    // Versions let you roll back a damaged state file.
    protectBucket(this, this.bucket, { kmsKeyArn: props.kmsKeyArn });
  }
}
