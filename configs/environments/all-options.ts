/**
 * Every option switched on: three zones, managed NAT gateways, backup MX, webmail, phpMyAdmin (running,
 * for two source blocks), load-balancer access logs,
 * volume backups copied to a second region, alert e-mail, a customer KMS key, an admin user,
 * remote state. Used by tests and `npm run bench:synth`.
 */
import { defineConfig } from '../define';

export default defineConfig({
  environment: 'all-options',
  region: 'eu-west-1',
  hostedZone: { name: 'mail.example.org', zoneId: 'Z0123456789ABCDEFGHIJ' },
  mailDomains: ['example.org', 'lists.example.org'],
  dns: {
    additionalZones: [{ name: 'example.org', zoneId: 'Z9876543210ZYXWVUTSRQ' }],
    dmarcPolicy: 'reject',
    reportAddress: 'dmarc-reports@example.org',
    mtaStsMode: 'enforce',
    // Mail leaves through mail.relayHost: its published SPF domain.
    spfInclude: ['spf.relay.example.net'],
    ttl: 300,
  },
  network: {
    cidr: '10.20.0.0/16',
    availabilityZones: ['a', 'b', 'c'],
    egress: 'nat-gateway',
    bastion: { instanceType: 't4g.micro', desiredCapacity: 1, sshIngressCidrs: ['198.51.100.0/24'] },
    flowLogRetentionDays: 90,
  },
  mail: {
    primary: {
      hostname: 'mx1.mail.example.org',
      instanceType: 't3.medium',
      restoreFromSnapshots: { spool: 'snap-0123456789abcdef0', log: 'snap-0fedcba9876543210' },
    },
    clientHostnames: ['imap.mail.example.org', 'smtp.mail.example.org'],
    sshIngressCidrs: ['198.51.100.0/24'],
    backupMx: { enabled: true, hostname: 'mx2.mail.example.org', availabilityZone: 'c' },
    virtualMailUid: 5001,
    storage: { spoolGiB: 50, logGiB: 5, swapGiB: 4, onDestroy: 'retain' },
    defaultQuotaMiB: 4096,
    relayHost: '[smtp.relay.example.net]:587',
    relayCredentialsSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mail/smarthost-AbCdEf',
    rootMailRecipient: 'ops@example.org',
    unknownLocalRecipientRejectCode: 450,
    imapStartTls: true,
  },
  webmail: { enabled: true, hostname: 'webmail.mail.example.org' },
  phpMyAdmin: { enabled: true, hostname: 'dbadmin.mail.example.org', allowedCidrs: ['198.51.100.0/24', '203.0.113.16/28'], desiredCapacity: 1 },
  webAccessLogs: { enabled: true, expireAfterDays: 180 },
  certificates: {
    acme: { server: 'production', accountEmail: 'ops@example.org', keyType: 'P256', minDaysRemaining: 35 },
    web: { source: 'existing-arn', arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555' },
  },
  database: { instanceClass: 'db.t4g.small', multiAz: true, backupRetentionDays: 35, maxAllocatedStorageGiB: 200 },
  // The old server's mail database, imported once (with the spool snapshots above: a whole migration).
  migration: {
    databaseDumpS3Uri: 's3://old-mail.example.org/mail/maildb-20260101.sql',
    databaseDumpKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/9f8e7d6c-5b4a-3210-fedc-ba9876543210',
  },
  backups: {
    volumes: { dailyRetentionDays: 14, weeklyRetentionWeeks: 8 },
    copyToRegion: 'eu-central-1',
    databaseDumps: { schedule: '*-*-* 03:15:00 UTC', randomizedDelay: '45min', archiveAfterDays: 60, expireAfterDays: 730 },
  },
  alerts: { email: ['ops@example.org', 'oncall@example.org'], deferredQueueThreshold: 200 },
  kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
  admin: { username: 'ops', shell: '/usr/bin/zsh', sshPublicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample ops@laptop'] },
  state: { bucket: 'example-org-terraform-state', keyPrefix: 'mail' },
  tags: { Owner: 'ops@example.org', CostCentre: 'mail' },
});
