import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';

/** Where a stack keeps its state. */
export interface StateLocation {
  /** S3 bucket; without it state stays in a local file. */
  readonly bucket?: string;
  /** Region of the bucket. */
  readonly region: string;
  /** Key prefix inside the bucket. */
  readonly keyPrefix: string;
}

/**
 * Points a stack at its state: `s3://<bucket>/<prefix>/<stack>.tfstate` with encryption and
 * S3-native locking (`use_lockfile`, Terraform ≥ 1.11; cdktf 0.21's S3Backend has no prop for
 * it, so it is set by override), or `terraform.<stack>.tfstate` in the project folder. The local
 * path is relative to the stack's folder `cdktf.out/stacks/<stack>/`, so the synthesized JSON
 * holds no machine-specific absolute path and `terraform plan` there finds the same file.
 */
export const useStateBackend = (stack: TerraformStack, stackName: string, location: StateLocation): void => {
  if (!location.bucket) {
    new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
    return;
  }
  new S3Backend(stack, { bucket: location.bucket, key: `${location.keyPrefix}/${stackName}.tfstate`, region: location.region, encrypt: true });
  stack.addOverride('terraform.backend.s3.use_lockfile', true);
};
