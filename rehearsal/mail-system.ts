/**
 * The mail system of a config, rehearsed: a MariaDB host standing in for RDS, the primary MX
 * booted from its exact rendered user data, a client that sends mail and receives relayed mail
 * (an SMTP sink for "the internet"), and a DNS server serving the record set we publish.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../configs/load';
import { MirovoyConfig } from '../configs/schema';
import { mailDnsRecords } from '../host/dns/mail-records';
import { renderMailHost } from '../host';
import { mailHostSpecFromConfig } from '../host/mail-host-spec-from-config';
import { renderMailHostUserData } from '../host/provision';
import { REHEARSAL_SEAM_DIRECTORY, RUNTIME_SECRETS } from '../host/provision/runtime-seam';
import { databaseHostFiles, renderDatabaseHostUserData } from './database-host';
import type { DnsRecord } from './dns-records';
import type { GuestFile } from './guest-files';
import { rehearsalDnsRecords } from './mail-dns';
import { progress } from './progress';
import { Rehearsal } from './rehearsal';
import { createTestCa } from './test-ca';

/** Fixed addresses on the rehearsal LAN, so a person can reach the hosts from a shell. */
export const MAIL_REHEARSAL_ADDRESSES = {
  primary: '10.203.0.10',
  database: '10.203.0.20',
  client: '10.203.0.100',
} as const;

/** Names of the rehearsal's own parties (not from the config). */
export const REHEARSAL_NAMES = {
  database: 'db.rehearsal.test',
  /** A foreign domain whose SPF record allows only the client. */
  senderDomain: 'sender.test',
  senderHost: 'client.sender.test',
  /** A foreign domain whose MX is the client's SMTP sink. */
  sinkDomain: 'elsewhere.test',
  sinkHost: 'mx.elsewhere.test',
} as const;

/** The master user of the database stand-in (RDS's master user is `mirovoy` too). */
const MASTER_USER = 'mirovoy';

/** A running mail rehearsal. */
export interface MailRehearsal {
  readonly rehearsal: Rehearsal;
  readonly config: MirovoyConfig;
  /** The primary MX's host name. */
  readonly primaryHostname: string;
  /** File (on this machine) with the test CA's root certificate: what clients trust. */
  readonly rootCaFile: string;
  /** The certificate chain the primary was given (leaf + intermediate, PEM). */
  readonly primaryChainPem: string;
  /** Folder where the SMTP sink stores what the primary relayed to the world. */
  readonly sinkDirectory: string;
  /** Stops the sink, then the rehearsal. */
  stop(): Promise<void>;
}

/** A password from the alphabet every option-file reader agrees on. */
const newPassword = () => randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 24);

const seamSecrets = (secrets: Record<string, object>): GuestFile[] =>
  Object.entries(secrets).map(([name, value]) => ({ path: `${REHEARSAL_SEAM_DIRECTORY}/secrets/${name}`, content: JSON.stringify(value), mode: 0o600 }));

/** The DNS the rehearsal serves: our published record set plus the foreign parties. */
const dnsRecordsFor = (config: MirovoyConfig, primaryHostname: string): DnsRecord[] => [
  ...rehearsalDnsRecords(
    mailDnsRecords({ domains: config.mailDomains, exchangers: [{ hostname: primaryHostname, ipv4: MAIL_REHEARSAL_ADDRESSES.primary, priority: 10 }] }),
  ),
  { type: 'A', name: REHEARSAL_NAMES.database, value: MAIL_REHEARSAL_ADDRESSES.database },
  { type: 'A', name: REHEARSAL_NAMES.senderHost, value: MAIL_REHEARSAL_ADDRESSES.client },
  { type: 'PTR', name: MAIL_REHEARSAL_ADDRESSES.client, value: REHEARSAL_NAMES.senderHost },
  { type: 'MX', name: REHEARSAL_NAMES.senderDomain, value: REHEARSAL_NAMES.senderHost, priority: 10 },
  { type: 'TXT', name: REHEARSAL_NAMES.senderDomain, value: `v=spf1 ip4:${MAIL_REHEARSAL_ADDRESSES.client} -all` },
  { type: 'MX', name: REHEARSAL_NAMES.sinkDomain, value: REHEARSAL_NAMES.sinkHost, priority: 10 },
  { type: 'A', name: REHEARSAL_NAMES.sinkHost, value: MAIL_REHEARSAL_ADDRESSES.client },
];

const startSink = async (rehearsal: Rehearsal, directory: string): Promise<ChildProcess> => {
  mkdirSync(directory, { recursive: true });
  const sink = spawn(
    'ip',
    ['netns', 'exec', rehearsal.lan.node('client').netns, join(__dirname, '../node_modules/.bin/tsx'), join(__dirname, 'smtp-sink.ts'), MAIL_REHEARSAL_ADDRESSES.client, directory],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    sink.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code}) before listening`)));
    sink.stdout?.once('data', () => resolve());
  });
  return sink;
};

/** Boots the mail system of a config (default: the embedded example). */
export async function startMailRehearsal(config: MirovoyConfig = loadConfig('example')): Promise<MailRehearsal> {
  const ca = await createTestCa();
  try {
    const spec = mailHostSpecFromConfig(config, 'primary', { host: REHEARSAL_NAMES.database });
    const primaryHostname = spec.hostname;
    const primaryCertificate = await ca.issue([primaryHostname], [MAIL_REHEARSAL_ADDRESSES.primary]);
    const databaseCertificate = await ca.issue([REHEARSAL_NAMES.database]);
    const masterPassword = newPassword();
    const credentials = (username: string) => ({ username, password: newPassword() });
    const users = renderMailHost(spec).spec.database.users;
    const rehearsal = await Rehearsal.start({
      hosts: [
        {
          name: 'db',
          fqdn: REHEARSAL_NAMES.database,
          ip: MAIL_REHEARSAL_ADDRESSES.database,
          userData: renderDatabaseHostUserData(MASTER_USER),
          extraFiles: databaseHostFiles({ masterUser: MASTER_USER, masterPassword, certificate: databaseCertificate }),
        },
        {
          name: 'mx1',
          fqdn: primaryHostname,
          ip: MAIL_REHEARSAL_ADDRESSES.primary,
          userData: renderMailHostUserData(renderMailHost(spec), { admin: config.admin }),
          extraFiles: seamSecrets({
            [RUNTIME_SECRETS.databaseMaster]: { username: MASTER_USER, password: masterPassword },
            [RUNTIME_SECRETS.databaseLookup]: credentials(users.lookup),
            [RUNTIME_SECRETS.databaseAdmin]: credentials(users.admin),
            [RUNTIME_SECRETS.databaseAmavis]: credentials(users.amavis),
            [RUNTIME_SECRETS.tls]: { certificate_chain: primaryCertificate.chainPem, private_key: primaryCertificate.keyPem },
            [RUNTIME_SECRETS.databaseCa]: { certificate: ca.rootPem },
          }),
        },
      ],
      clients: [{ name: 'client', ip: MAIL_REHEARSAL_ADDRESSES.client }],
      dnsRecords: dnsRecordsFor(config, primaryHostname),
    });
    const rootCaFile = join(rehearsal.directory, 'test-root-ca.pem');
    writeFileSync(rootCaFile, ca.rootPem);
    const sinkDirectory = join(rehearsal.directory, 'sink');
    const sink = await startSink(rehearsal, sinkDirectory).catch(async (error) => {
      await rehearsal.stop();
      throw error;
    });
    progress(`mail rehearsal of "${config.environment}" ready: ${primaryHostname} at ${MAIL_REHEARSAL_ADDRESSES.primary}`);
    return {
      rehearsal,
      config,
      primaryHostname,
      rootCaFile,
      primaryChainPem: primaryCertificate.chainPem,
      sinkDirectory,
      async stop() {
        sink.kill('SIGTERM');
        await rehearsal.stop();
      },
    };
  } finally {
    ca.dispose();
  }
}
