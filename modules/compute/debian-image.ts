/**
 * Debian 13 (trixie) images, resolved from Debian's public SSM parameters at launch time, so an
 * instance refresh picks up the latest point release without a code change.
 * https://wiki.debian.org/Cloud/AmazonEC2Image
 */

/** CPU architecture of an EC2 instance type: Graviton families carry a `g` after the generation. */
export const architectureOf = (instanceType: string): 'arm64' | 'amd64' =>
  /^[a-z]+\d+[a-z]*g[a-z]*\./.test(instanceType) ? 'arm64' : 'amd64';

/** SSM parameter path of the newest Debian 13 image for the instance type's architecture. */
export const debianImageParameter = (instanceType: string): string => `/aws/service/debian/release/13/latest/${architectureOf(instanceType)}`;

/** A launch-template `image_id` that EC2 resolves from the SSM parameter at each launch. */
export const debianImageForLaunchTemplate = (instanceType: string): string => `resolve:ssm:${debianImageParameter(instanceType)}`;
