/**
 * The package's public surface (`import { MailHost, Network } from 'mirovoy-mail'`): the
 * reusable constructs of modules/, each with narrow props of its own (no Mirovoy config needed),
 * the config types and their validation, and the stacks for an app that wants all of it.
 * Compiled to dist/ by `npm run build`; see README, "Reusing the modules".
 */

// Constructs (modules/)
export * from './modules/acme';
export * from './modules/backup/volume-backup-plan';
export * from './modules/certificates/acme-account';
export * from './modules/certificates/mail-certificate';
export * from './modules/ci/github-oidc-roles';
export * from './modules/compute/debian-image';
export * from './modules/compute/hardened-launch-template';
export * from './modules/compute/instance-role';
export * from './modules/database/database-user-secret';
export * from './modules/database/mail-database';
export * from './modules/dns/hosted-zones';
export * from './modules/dns/route53-mail-records';
export * from './modules/guards';
export * from './modules/mail/dkim-key';
export * from './modules/mail/durable-volume';
export * from './modules/mail/mail-host';
export * from './modules/mail/ses-relay';
export * from './modules/monitoring/alert-topic';
export * from './modules/monitoring/database-alarms';
export * from './modules/monitoring/expiry-check';
export * from './modules/monitoring/mail-host-alarms';
export * from './modules/monitoring/mail-metrics';
export * from './modules/monitoring/metric-alarm';
export * from './modules/network/bastion';
export * from './modules/network/network';
export * from './modules/network/security-groups';
export * from './modules/network/zone-egress';
export * from './modules/secrets/json-secret';
export * from './modules/state/backend';
export * from './modules/state/state-bucket';
export * from './modules/storage/artifacts-bucket';
export * from './modules/storage/bucket-protection';
export * from './modules/web/acm-dns-certificate';
export * from './modules/web/mta-sts-policies';
export * from './modules/web/web-load-balancer';

// Config types and validation (configs/)
export type { MirovoyConfig, MirovoyConfigInput } from './configs/schema';
export { configSchema } from './configs/schema';
export { defineConfig } from './configs/define';
export { validateConfig } from './configs/validate';
export { ConfigError } from './configs/problems';
export { defaultSubnetPlan } from './configs/subnets';
export type { SubnetPlan } from './configs/subnets';
export type { ConfigProblem } from './configs/problems';

// Stacks (stacks/): the whole deployment for an app of your own
export { addMirovoyStacks } from './stacks/mirovoy-app';
export { NetworkStack } from './stacks/network-stack';
export { DatabaseStack } from './stacks/database-stack';
export type { DatabaseStackNetwork } from './stacks/database-stack';
export { MailStack } from './stacks/mail-stack';
export type { MailStackNetwork, MailStackDatabase } from './stacks/mail-stack';
export { WebStack } from './stacks/web-stack';
export type { WebStackNetwork } from './stacks/web-stack';
export { StateBucketStack } from './stacks/state-bucket-stack';
export { CiStack } from './stacks/ci-stack';
