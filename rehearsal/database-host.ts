/**
 * The MariaDB host that stands in for RDS in the rehearsal: like RDS it accepts TLS connections
 * only, from the LAN, with a master user that may create databases and users. Its user data is
 * rehearsal-only (RDS needs none); the master user's SQL (with its password) arrives as a file
 * placed before boot, so a password with quotes, backslashes or `$` needs no shell quoting.
 */
import { renderCloudConfig } from '../host/base/cloud-config';
import type { GuestFile } from './guest-files';

/** Where the stand-in keeps its TLS files and the master password (placed before boot). */
const TLS_DIRECTORY = '/etc/mysql/rehearsal-tls';
const MASTER_USER_SQL_FILE = '/etc/mysql/rehearsal-master-user.sql';

/** What the database host needs. */
export interface DatabaseHostProps {
  /** Name of the RDS-like master user. */
  readonly masterUser: string;
  /** Its password. */
  readonly masterPassword: string;
  /** PEM chain and key of the server certificate (from the rehearsal's test CA). */
  readonly certificate: { readonly chainPem: string; readonly keyPem: string };
}

const SERVER_CONFIG = `# Rehearsal stand-in for RDS MySQL: TLS only (require_secure_transport, as our RDS parameter
# group sets), reachable from the LAN.
[mariadbd]
bind-address = 0.0.0.0
require_secure_transport = ON
ssl_cert = ${TLS_DIRECTORY}/chain.pem
ssl_key = ${TLS_DIRECTORY}/key.pem
`;

/** A MariaDB string literal (default sql_mode: backslash escapes on). */
export const sqlStringLiteral = (value: string): string => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** cloud-config that installs MariaDB and creates the master user. */
export const renderDatabaseHostUserData = (): string =>
  renderCloudConfig({
    package_update: true,
    packages: ['mariadb-server'],
    runcmd: [
      ['chown', '-R', 'mysql:mysql', TLS_DIRECTORY],
      ['systemctl', 'restart', 'mariadb'],
      // Over the local socket (a secure transport), so the local client needs no TLS.
      ['sh', '-c', `mariadb --skip-ssl < ${MASTER_USER_SQL_FILE}`],
    ],
  });

/** Files placed in the database host before boot. */
export const databaseHostFiles = (props: DatabaseHostProps): GuestFile[] => [
  { path: '/etc/mysql/mariadb.conf.d/90-rehearsal-rds.cnf', content: SERVER_CONFIG },
  { path: `${TLS_DIRECTORY}/chain.pem`, content: props.certificate.chainPem },
  { path: `${TLS_DIRECTORY}/key.pem`, content: props.certificate.keyPem, mode: 0o600 },
  {
    path: MASTER_USER_SQL_FILE,
    content:
      `CREATE USER IF NOT EXISTS ${sqlStringLiteral(props.masterUser)}@'%' IDENTIFIED BY ${sqlStringLiteral(props.masterPassword)};\n` +
      `GRANT ALL PRIVILEGES ON *.* TO ${sqlStringLiteral(props.masterUser)}@'%' WITH GRANT OPTION;\n`,
    mode: 0o600,
  },
];
