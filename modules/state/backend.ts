import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';

/** Where a stack keeps its state. */
export interface StateLocation {
  /** S3 bucket; without it state stays in a local file. */
  readonly bucket?: string;
  /** Region of the bucket. */
  readonly region: string;
  /** Key prefix inside the bucket. */
  readonly keyPrefix: string;
  /**
   * Customer KMS key the state is written with (`kms_key_id`); the state bucket refuses objects
   * with any other. @default SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
}

/**
 * Points a stack at its state: `s3://<bucket>/<prefix>/<stack>.tfstate` with encryption (the
 * customer KMS key when one is given, else SSE-S3: `encrypt` alone asks for AES256, whatever the
 * bucket's default) and S3-native locking (`use_lockfile`, Terraform ≥ 1.11; cdktf 0.21's
 * S3Backend has no prop for it, so it is set by override), or `terraform.<stack>.tfstate` in the project folder. The local
 * path is relative to the stack's folder `cdktf.out/stacks/<stack>/`, so the synthesized JSON
 * holds no machine-specific absolute path and `terraform plan` there finds the same file.
 */
export const useStateBackend = (stack: TerraformStack, stackName: string, location: StateLocation): void => {
  if (!location.bucket) {
    new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
    return;
  }
  new S3Backend(stack, {
    bucket: location.bucket,
    key: `${location.keyPrefix}/${stackName}.tfstate`,
    region: location.region,
    encrypt: true,
    kmsKeyId: location.kmsKeyArn,
  });
  stack.addOverride('terraform.backend.s3.use_lockfile', true);
};
