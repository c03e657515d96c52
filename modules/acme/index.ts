/** Hand-written bindings for the vancluever/acme Terraform provider (see README.md). */
export * from './acme-provider';
export * from './acme-registration';
export * from './acme-certificate';
