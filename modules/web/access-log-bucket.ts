import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsElbServiceAccount } from '@cdktf/provider-aws/lib/data-aws-elb-service-account';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { bucketPrefixProblems } from '../storage/artifacts-bucket';
import { BucketAllowStatement, protectBucket } from '../storage/bucket-protection';

/**
 * Regions that opened before August 2022, where ELB delivers access logs as a regional AWS account
 * of its own (the bucket policy names that account); the regions opened since deliver them as the
 * service `logdelivery.elasticloadbalancing.amazonaws.com`.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export const REGIONS_WITH_ELB_ACCOUNT: ReadonlySet<string> = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ca-central-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-north-1',
  'me-south-1', 'sa-east-1', 'us-gov-west-1', 'us-gov-east-1', 'cn-north-1', 'cn-northwest-1',
]);

/** The key prefix the load balancer writes under (ELB appends `AWSLogs/<account>/…`). */
export const ACCESS_LOG_PREFIX = 'alb';

/** Properties of {@link AccessLogBucket}. */
export interface AccessLogBucketProps {
  /** Start of the bucket's name, e.g. `mail-prod-web-logs-`; Terraform appends a unique suffix. */
  readonly bucketPrefix: string;
  /** The load balancer's region (ELB delivers only to a bucket in its own region). */
  readonly region: string;
  /** Days a log object is kept. */
  readonly expireAfterDays: number;
}

/**
 * A bucket for the web load balancer's access logs: what every bucket of ours has (versioning,
 * TLS only, no public access, see `protectBucket`), encrypted with SSE-S3 — the only encryption ELB
 * log delivery writes to — a policy letting the region's ELB log delivery put objects below
 * {@link ACCESS_LOG_PREFIX}`/AWSLogs/<account>/` and nothing else, and a lifecycle rule deleting
 * logs after `expireAfterDays`. {@link ready} is what the load balancer waits for: AWS checks the
 * policy when access logs are switched on.
 */
export class AccessLogBucket extends Construct {
  /** The bucket. */
  readonly bucket: S3Bucket;
  /** The bucket policy and the encryption, which must exist before a load balancer writes. */
  readonly ready: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const problems = [
      ...bucketPrefixProblems(props.bucketPrefix),
      ...(Number.isInteger(props.expireAfterDays) && props.expireAfterDays >= 1 ? [] : [`expireAfterDays is ${props.expireAfterDays}; give a whole number of days, at least 1`]),
    ];
    if (problems.length > 0) throw new Error(`AccessLogBucket ${this.node.path}:\n  - ${problems.join('\n  - ')}`);
    this.bucket = new S3Bucket(this, 'Bucket', { bucketPrefix: props.bucketPrefix });
    const account = new DataAwsCallerIdentity(this, 'Account');
    const principal = REGIONS_WITH_ELB_ACCOUNT.has(props.region)
      ? { AWS: new DataAwsElbServiceAccount(this, 'ElbAccount', { region: props.region }).arn }
      : { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' };
    const delivery: BucketAllowStatement = {
      Sid: 'ElbLogDelivery',
      Effect: 'Allow',
      Principal: principal,
      Action: 's3:PutObject',
      Resource: `${this.bucket.arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${account.accountId}/*`,
    };
    const protection = protectBucket(this, this.bucket, {
      // Log objects are never overwritten: an expired one's version goes a day later.
      noncurrentVersionExpirationDays: 1,
      allowStatements: [delivery],
      lifecycleRules: [{ id: 'expire-logs', status: 'Enabled', filter: [{ prefix: '' }], expiration: [{ days: props.expireAfterDays }] }],
    });
    new S3BucketOwnershipControls(this, 'Ownership', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    this.ready = [protection.policy, protection.encryption];
  }
}
