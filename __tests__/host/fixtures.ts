import { MailHostSpec } from '../../host';

/** A primary as the adapter would produce it. */
export const primarySpec: MailHostSpec = {
  role: 'primary',
  hostname: 'mx1.example.com',
  database: { host: 'db.internal.example.com' },
  tls: { certificateChainFile: '/etc/mirovoy/tls/fullchain.pem', privateKeyFile: '/etc/mirovoy/tls/privkey.pem' },
};

/** The backup MX of the same installation. */
export const backupSpec: MailHostSpec = { ...primarySpec, role: 'backup', hostname: 'mx2.example.com', primaryMxHostname: 'mx1.example.com' };
