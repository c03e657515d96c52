import { MailHostSpec, renderMailHost } from '../../host';

/** A primary as the adapter would produce it. */
export const primarySpec: MailHostSpec = {
  role: 'primary',
  hostname: 'mx1.example.com',
  tls: { certificateChainFile: '/etc/mirovoy/tls/fullchain.pem', privateKeyFile: '/etc/mirovoy/tls/privkey.pem' },
};

/** The backup MX of the same installation. */
export const backupSpec: MailHostSpec = { ...primarySpec, role: 'backup', hostname: 'mx2.example.com', primaryMxHostname: 'mx1.example.com' };

/** The content of one file a spec renders; fails the test when the file is not rendered. */
export const fileOf = (spec: MailHostSpec, path: string): string => {
  const file = renderMailHost(spec).files.find((f) => f.path === path);
  if (!file) throw new Error(`${path} not rendered`);
  return file.content;
};
