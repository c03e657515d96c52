import { allOptions, example } from '../support/configs';
import { synthConfig } from '../support/synth';

describe('state backend', () => {
  it('keeps state in local files (relative to the stack folder) without a state bucket', () => {
    const stacks = synthConfig(example);
    expect(Object.keys(stacks).sort()).toEqual(['example-database', 'example-mail', 'example-network']);
    for (const [name, stack] of Object.entries(stacks)) {
      expect(stack.terraform.backend).toEqual({ local: { path: `../../../terraform.${name}.tfstate` } });
    }
  });

  it('uses an encrypted S3 backend with native locking when the config names a bucket', () => {
    const stacks = synthConfig(allOptions);
    for (const name of ['all-options-network', 'all-options-database']) {
      expect(stacks[name].terraform.backend).toEqual({
        s3: { bucket: 'example-org-terraform-state', key: `mail/${name}.tfstate`, region: 'eu-west-1', encrypt: true, use_lockfile: true },
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
});
