/**
 * The embedded example: what `npm run synth` builds when no config is selected. It needs no
 * AWS account and no network to synthesize. Copy it to start your own config.
 */
import { defineConfig } from '../define';

export default defineConfig({
  environment: 'example',
  region: 'eu-central-1',
  hostedZone: { name: 'example.com' },
  mailDomains: ['example.com', 'example.net'],
  // example.net has its own Route53 zone; example.com's records go to hostedZone.
  dns: { additionalZones: [{ name: 'example.net' }], reportAddress: 'postmaster@example.com' },
  mail: {
    primary: { hostname: 'mx1.example.com' },
    backupMx: { enabled: true, hostname: 'mx2.example.com' },
    rootMailRecipient: 'postmaster@example.com',
  },
  webmail: { enabled: true, hostname: 'webmail.example.com' },
  certificates: {
    acme: { server: 'staging', accountEmail: 'postmaster@example.com' },
    web: { source: 'acm-dns' },
  },
  // A throw-away demo: allow `terraform destroy` to remove the database.
  database: { deletionProtection: false },
  // …and delete its secrets at once, so it can be applied again right after a destroy.
  secrets: { recoveryWindowDays: 0 },
});
