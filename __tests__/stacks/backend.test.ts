import { allOptions, example, exampleWith } from '../support/configs';
import { TerraformJson } from '../support/synth';
import { synthConfig } from '../support/synth';

describe('state backend', () => {
  it('keeps state in local files (relative to the stack folder) without a state bucket', () => {
    const stacks = synthConfig(example);
    expect(Object.keys(stacks).sort()).toEqual(['example-database', 'example-mail', 'example-network', 'example-web']);
    for (const [name, stack] of Object.entries(stacks)) {
      expect(stack.terraform.backend).toEqual({ local: { path: `../../../terraform.${name}.tfstate` } });
    }
  });

  it('uses an encrypted S3 backend with native locking when the config names a bucket', () => {
    const stacks = synthConfig(exampleWith({ state: { bucket: 'example-com-terraform-state' } }));
    for (const name of ['example-network', 'example-database']) {
      expect(stacks[name].terraform.backend).toEqual({
        s3: { bucket: 'example-com-terraform-state', key: `mirovoy-mail/${name}.tfstate`, region: 'eu-central-1', encrypt: true, use_lockfile: true },
      });
    }
  });

  // Review issue 12, item 11: `encrypt` alone sends AES256, so the state was not under the customer key.
  it('writes state with the customer KMS key when the config has one', () => {
    const stacks = synthConfig(allOptions);
    for (const name of ['all-options-network', 'all-options-database', 'all-options-mail']) {
      expect(stacks[name].terraform.backend).toEqual({
        s3: { bucket: 'example-org-terraform-state', key: `mail/${name}.tfstate`, region: 'eu-west-1', encrypt: true, kms_key_id: allOptions.kmsKeyArn, use_lockfile: true },
      });
    }
  });

  it('bootstraps the state bucket with local state: versioned, encrypted, never public', () => {
    const stack = synthConfig(allOptions)['all-options-state-bucket'];
    expect(stack.terraform.backend).toEqual({ local: { path: '../../../terraform.all-options-state-bucket.tfstate' } });
    const one = (type: string) => Object.values(stack.resource![type])[0];
    expect(one('aws_s3_bucket')).toMatchObject({ bucket: 'example-org-terraform-state', lifecycle: { prevent_destroy: true } });
    expect(one('aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(one('aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: 'aws:kms',
      kms_master_key_id: allOptions.kmsKeyArn,
    });
    expect(one('aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });

  // Review issue 12, item 11: the state bucket had no policy and kept every old version forever.
  describe('state bucket policy and lifecycle', () => {
    const bucketStack = (patch: Parameters<typeof exampleWith>[0]) => synthConfig(exampleWith(patch))['example-state-bucket'];
    const policyOf = (stack: TerraformJson) => JSON.parse(Object.values(stack.resource!.aws_s3_bucket_policy)[0].policy);
    // The bucket's address, unchanged since the bucket was first made.
    const BUCKET_ARN = '${aws_s3_bucket.StateBucket_3A0A90D0.arn}';
    const OBJECTS = `${BUCKET_ARN}/*`;
    const denyPut = (Sid: string, key: string, allowed: unknown) => ({ Sid, Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: OBJECTS, Condition: { StringNotEquals: { [key]: allowed }, Null: { [key]: 'false' } } });
    const DENY_INSECURE_TRANSPORT = { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [BUCKET_ARN, OBJECTS], Condition: { Bool: { 'aws:SecureTransport': 'false' } } };

    it('keeps the bucket at its address and arguments: only resources are added, so nothing replaces it', () => {
      const stack = synthConfig(allOptions)['all-options-state-bucket'];
      expect(Object.keys(stack.resource!.aws_s3_bucket)).toEqual(['StateBucket_3A0A90D0']);
      expect(stack.resource!.aws_s3_bucket.StateBucket_3A0A90D0).toEqual({ '//': expect.anything(), bucket: 'example-org-terraform-state', lifecycle: { prevent_destroy: true } });
    });

    it('with a KMS key: denies requests without TLS and puts not under that key (what the backend sends passes)', () => {
      const stack = synthConfig(allOptions)['all-options-state-bucket'];
      expect(policyOf(stack)).toEqual({
        Version: '2012-10-17',
        Statement: [
          DENY_INSECURE_TRANSPORT,
          denyPut('DenyOtherThanSseKms', 's3:x-amz-server-side-encryption', 'aws:kms'),
          denyPut('DenyOtherKmsKey', 's3:x-amz-server-side-encryption-aws-kms-key-id', allOptions.kmsKeyArn),
        ],
      });
      expect(Object.values(stack.resource!.aws_s3_bucket_policy)[0].depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\./)]);
    });

    it('with a KMS key alias: allows the key the alias names as well as the alias the backend sends', () => {
      const alias = 'arn:aws:kms:eu-central-1:123456789012:alias/mail-state';
      const stack = bucketStack({ state: { bucket: 'example-com-terraform-state' }, kmsKeyArn: alias });
      expect(Object.values(stack.data!.aws_kms_key)).toEqual([expect.objectContaining({ key_id: alias })]);
      expect(policyOf(stack).Statement[2].Condition.StringNotEquals['s3:x-amz-server-side-encryption-aws-kms-key-id']).toEqual([
        expect.stringMatching(/^\$\{data\.aws_kms_key\.StateBucket_StateKey_\w+\.arn\}$/),
        alias,
      ]);
    });

    it('without a KMS key: denies requests without TLS and puts other than SSE-S3 (what `encrypt` sends)', () => {
      const stack = bucketStack({ state: { bucket: 'example-com-terraform-state' } });
      expect(policyOf(stack).Statement).toEqual([DENY_INSECURE_TRANSPORT, denyPut('DenyOtherThanSseS3', 's3:x-amz-server-side-encryption', 'AES256')]);
      expect(stack.data?.aws_kms_key).toBeUndefined();
    });

    it.each([
      [{ bucket: 'example-com-terraform-state' }, 90],
      [{ bucket: 'example-com-terraform-state', noncurrentVersionExpirationDays: 30 }, 30],
    ])('expires old state versions after state.noncurrentVersionExpirationDays (%j)', (state, days) => {
      const [lifecycle] = Object.values(bucketStack({ state }).resource!.aws_s3_bucket_lifecycle_configuration);
      expect(lifecycle.rule).toEqual([
        expect.objectContaining({ status: 'Enabled', filter: [{ prefix: '' }], noncurrent_version_expiration: [{ noncurrent_days: days }], expiration: [{ expired_object_delete_marker: true }] }),
      ]);
      expect(lifecycle.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
    });
  });
});
