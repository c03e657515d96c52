/** The adapter from a project config to the host renderers' input. */
import { MirovoyConfig } from '../configs/schema';
import { MailHostRole, MailHostSpec } from './spec';

/** Where the provision step writes a mail host's TLS files. */
export const MAIL_TLS_FILES = {
  certificateChainFile: '/etc/mirovoy/tls/mail-chain.pem',
  privateKeyFile: '/etc/mirovoy/tls/mail-key.pem',
  databaseCaFile: '/etc/mirovoy/tls/database-ca.pem',
} as const;

/** Where the mail host finds its database. */
export interface DatabaseEndpoint {
  /** Host name (the RDS endpoint on EC2, the MariaDB host in the rehearsal). */
  readonly host: string;
  /** TCP port. @default 3306 */
  readonly port?: number;
}

/** The spec of the primary or backup MX of a config. */
export const mailHostSpecFromConfig = (config: MirovoyConfig, role: MailHostRole, database: DatabaseEndpoint): MailHostSpec => {
  const { mail } = config;
  const hostname = role === 'primary' ? mail.primary.hostname : mail.backupMx.hostname;
  if (!hostname) throw new Error(`mail.${role === 'primary' ? 'primary' : 'backupMx'}.hostname is not set`);
  return {
    role,
    hostname,
    mailOrigin: config.mailDomains[0],
    vmailUid: mail.virtualMailUid,
    database: {
      host: database.host,
      port: database.port,
      name: config.database.mailDatabaseName,
      // The server certificate is always verified: RDS and the rehearsal both require TLS.
      tlsCaFile: MAIL_TLS_FILES.databaseCaFile,
    },
    tls: { certificateChainFile: MAIL_TLS_FILES.certificateChainFile, privateKeyFile: MAIL_TLS_FILES.privateKeyFile },
    relayHost: mail.relayHost ? mail.relayHost : null,
    unknownLocalRecipientRejectCode: mail.unknownLocalRecipientRejectCode,
    imapStartTls: mail.imapStartTls,
    plusAddressing: mail.plusAddressing,
    messageSizeLimit: mail.messageSizeLimitMiB * 1024 * 1024,
    primaryMxHostname: role === 'backup' ? mail.primary.hostname : null,
  };
};
