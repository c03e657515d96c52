/**
 * The mail system of a config, rehearsed: a MariaDB host standing in for RDS, the primary MX
 * booted from its exact rendered user data, a client that sends mail and receives relayed mail
 * (an SMTP sink for "the internet"), and a DNS server serving the record set we publish.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { join } from 'node:path';
import { loadConfig } from '../configs/load';
import { dkimSigningSelector } from '../configs/rules';
import { MirovoyConfig } from '../configs/schema';
import { mailDnsRecords } from '../host/dns/mail-records';
import { MailHostRendering, MailHostRole, MailHostSpec, renderMailHost, TEST_DATA_USERS } from '../host';
import { mailDnsPolicyOf } from '../adapters/mail-dns';
import { MailHostSite, mailHostSpecFromConfig } from '../adapters/mail-host-spec';
import { dkimPublicKeyBase64 } from '../host/opendkim';
import {
  bundleObjectKey,
  bundleSettingValue,
  CONVERGE_STATUS_FILE,
  CONVERGE_TIMER,
  DATA_VOLUMES,
  HostBundle,
  mailHostPackages,
  PROVISION_UNIT,
  renderMailHostBundle,
  renderMailHostUserData,
  secretsReadBy,
  volumeSetting,
} from '../host/provision';
import { dkimSecretName, REHEARSAL_SEAM_DIRECTORY, rehearsalObjectPath, RUNTIME_SECRETS, RUNTIME_SETTINGS } from '../host/provision/runtime-seam';
import { databaseHostFiles, renderDatabaseHostUserData } from './database-host';
import type { DnsRecord } from './dns-records';
import type { GuestFile } from './guest-files';
import { rehearsalDnsRecords } from './mail-dns';
import { DATABASE_HOST_PACKAGES, exampleMailHostPackages } from './mail-packages';
import { progress } from './progress';
import { Rehearsal } from './rehearsal';
import { createTestCa, HostCertificate } from './test-ca';
import type { SmtpSinkOptions } from './smtp-sink';
import { renderWebHost, renderWebHostBundle, renderWebHostUserData, WebHostRendering, webHostSecretNames } from '../host/web';
import { webHostSpecFromConfig } from '../adapters/web-host-spec';
import { phpMyAdminHostSpecFromConfig } from '../adapters/phpmyadmin-host-spec';
import {
  PHPMYADMIN_BLOWFISH_SECRET,
  PhpMyAdminHostRendering,
  renderPhpMyAdminHost,
  renderPhpMyAdminHostBundle,
  renderPhpMyAdminHostUserData,
} from '../host/web/phpmyadmin';
import type { WebmailProxyOptions } from './webmail-proxy';

/** Fixed addresses on the rehearsal LAN, so a person can reach the hosts from a shell. */
export const MAIL_REHEARSAL_ADDRESSES = {
  primary: '10.203.0.10',
  backup: '10.203.0.11',
  database: '10.203.0.20',
  client: '10.203.0.100',
  /** A second client for abuse tests (relay probes, password guessing) that fail2ban may ban. */
  prober: '10.203.0.101',
  /** The webmail host (behind the client's TLS proxy, the load balancer's stand-in). */
  webmail: '10.203.0.30',
  /** The phpMyAdmin host (behind its own TLS proxy, on the client `pma-lb`). */
  phpMyAdmin: '10.203.0.31',
  /** The phpMyAdmin host's load balancer stand-in (a client namespace of its own, so both proxies take 443). */
  phpMyAdminBalancer: '10.203.0.102',
} as const;

/** Names of the rehearsal's own parties (not from the config). */
export const REHEARSAL_NAMES = {
  database: 'db.rehearsal.test',
  /** A foreign domain whose SPF record allows only the client. */
  senderDomain: 'sender.test',
  senderHost: 'client.sender.test',
  /** A foreign domain whose SPF record allows no rehearsal host (`-all`): mail from it through the client fails SPF. */
  spfFailDomain: 'spf-fail.test',
  /** A foreign domain whose MX is the client's SMTP sink. */
  sinkDomain: 'elsewhere.test',
  sinkHost: 'mx.elsewhere.test',
  /** The authenticated relay (SES's stand-in): a second sink on the client, port 587. */
  relayHost: 'relay.rehearsal.test',
} as const;

/** Stands for the relay's credentials secret in the config; never fetched (the harness serves `relay`). */
const REHEARSAL_RELAY_SECRET_ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:rehearsal-relay';
/** Port of the authenticated relay, as SES's SMTP endpoint. */
const RELAY_PORT = 587;

/** The master user of the database stand-in (RDS's master user is `mirovoy` too). */
const MASTER_USER = 'mirovoy';

/**
 * A hand-made ClamAV signature for the EICAR test file (`sigtool --md5` of it). freshclam cannot
 * reach the internet here, and clamd does not start without signatures.
 */
const EICAR_SIGNATURE = '44d88612fea8a8f36de82e1278abb02f:68:Rehearsal-EICAR-Test\n';

/**
 * Rehearsal-only ClamAV overrides, written into the host before boot (never into its user data):
 * the test signature, and a drop-in that lifts Debian's condition on the official database
 * files (clamav-daemon.service is skipped silently without main.cvd).
 */
const CLAMAV_OVERRIDES: GuestFile[] = [
  { path: '/var/lib/clamav/rehearsal-eicar.hdb', content: EICAR_SIGNATURE },
  { path: '/etc/systemd/system/clamav-daemon.service.d/rehearsal.conf', content: '# Rehearsal: a test signature instead of the official database.\n[Unit]\nConditionPathExistsGlob=\n' },
];

/** Options of {@link startMailRehearsal}. */
export interface MailRehearsalOptions {
  /** The config whose mail system to boot. @default the embedded example */
  readonly config?: MirovoyConfig;
  /** Adjusts each mail host's spec before rendering (tests shorten greylisting and ban times). @default none */
  readonly tuneSpec?: (spec: MailHostSpec) => MailHostSpec;
  /** Boot the backup MX too. @default the config's mail.backupMx.enabled */
  readonly backupMx?: boolean;
  /**
   * Send outbound mail through an SMTP relay on the client that requires AUTH after STARTTLS
   * (`relay.rehearsal.test:587`, standing in for Amazon SES) instead of delivering directly:
   * the config's `mail.relayHost` is set to it with `relayCredentialsSecretArn`, and the hosts get the
   * secret `relay`. @default false
   */
  readonly authenticatedRelay?: boolean;
  /**
   * The database refuses connections (TCP reset on 3306) while the mail hosts boot, until
   * {@link MailRehearsal.releaseDatabase}; {@link startMailRehearsal} then returns without waiting
   * for mail-ready (use {@link MailRehearsal.waitForMailReady}). @default false
   */
  readonly databaseDownAtBoot?: boolean;
  /**
   * Leave the hosts' convergence timers running. By default each host's timer is stopped once it
   * is mail-ready, so the only convergence runs are a test's own {@link MailRehearsal.converge}
   * calls (a timer run in between would apply a published bundle or secret first). @default false
   */
  readonly convergenceTimers?: boolean;
  /**
   * Give the primary data volumes as on EC2, by name (`spool`, `log`): a blank image each (MiB),
   * attached as a loop device under the volume's device name (`/dev/sdf`), its id in the setting
   * `volume-<name>`; the provision step formats and mounts it. @default none (the mount points stay on the root file system)
   */
  readonly primaryVolumes?: Partial<Record<DataVolumeName, number>>;
  /**
   * Objects of other buckets the primary may read (`mirovoy-store object-get`), e.g. the dump a
   * config's `migration.databaseDumpS3Uri` names. @default none
   */
  readonly objects?: readonly RehearsalObject[];
  /**
   * Boot the config's webmail host (Roundcube) too, against the primary and the database, behind
   * a TLS-terminating proxy on the client (`https://<webmail.hostname>/`, the ALB's stand-in, which
   * the rehearsal DNS names). @default false
   */
  readonly webmail?: boolean;
  /**
   * Boot a phpMyAdmin host too (the config's `phpMyAdmin` section, enabled with a hostname), against
   * the database, behind a TLS-terminating proxy on the client `pma-lb` (`https://<phpMyAdmin.hostname>/`,
   * which the rehearsal DNS names). @default false
   */
  readonly phpMyAdmin?: boolean;
}

/** The phpMyAdmin host of a rehearsal. */
export interface RehearsalPhpMyAdmin {
  /** What a browser on the client opens. */
  readonly url: string;
  /** Where that name leads (the proxy): a browser's resolver rule. */
  readonly address: string;
  /** The rehearsal's host name of the phpMyAdmin host (`rehearsal.host(name)`). */
  readonly host: 'pma';
  readonly rendering: PhpMyAdminHostRendering;
}

/** The webmail host of a rehearsal. */
export interface RehearsalWebmail {
  /** What a browser on the client opens. */
  readonly url: string;
  /** The rehearsal's host name of the web host (`rehearsal.host(name)`). */
  readonly host: 'web';
  readonly rendering: WebHostRendering;
  /** Replaces the web host by a fresh instance (new root file system, same user data, bundle and secrets, same database), once it is ready. */
  replace(): Promise<void>;
}

/** An S3 object the rehearsal serves to the primary. */
export interface RehearsalObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: string | Buffer;
}

/** A data volume's short name (`spool`, `log`). */
type DataVolumeName = (typeof DATA_VOLUMES)[number]['name'];

/** The data volume of a name. */
const dataVolume = (name: DataVolumeName) => DATA_VOLUMES.find((v) => v.name === name)!;

/** A made-up EBS volume id per data volume (`vol-` and hex, as the provision step checks). */
const REHEARSAL_VOLUME_IDS: Readonly<Record<DataVolumeName, string>> = { spool: 'vol-0000000000000f001', log: 'vol-0000000000000f002' };

/** The authenticated relay of a rehearsal. */
export interface RehearsalRelay {
  /** Folder where it stores what it accepted (with `X-Sink-Auth-User` and `X-Sink-Tls` headers). */
  readonly directory: string;
  /** The credentials it requires, as the hosts' secret `relay` holds them. */
  readonly username: string;
  /** A second account the relay accepts: what rotated credentials look like (`putSecret(host, 'relay', …)`). */
  readonly rotated: { readonly username: string; readonly password: string };
}

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
  /** The DKIM public keys published in the rehearsal DNS, by domain (base64 DER). */
  readonly dkimPublicKeys: Readonly<Record<string, string>>;
  /** The authenticated relay, when asked for. */
  readonly relay: RehearsalRelay | null;
  /** The webmail host, when asked for. */
  readonly webmail: RehearsalWebmail | null;
  /** The phpMyAdmin host, when asked for. */
  readonly phpMyAdmin: RehearsalPhpMyAdmin | null;
  /** With the config's `testData`: the sample mailboxes' passwords (the primary's secret `test-data`), by user. */
  readonly testDataPasswords: Readonly<Record<string, string>> | null;
  /**
   * The next DKIM keys, already published in the rehearsal DNS under their own selector (as a
   * rotation publishes both keys while the hosts switch): each domain's secret `dkim-<domain>`
   * value for the rotation, and the selector.
   */
  readonly nextDkim: { readonly selector: string; readonly secrets: Readonly<Record<string, { readonly private_key: string; readonly selector: string }>>; readonly publicKeys: Readonly<Record<string, string>> };
  /**
   * A new certificate for a mail host from the test CA, as a renewal in Terraform would give (valid
   * `days`, default 30); with `names`, for those DNS names instead of the host's name and address
   * (a certificate that does not match the host).
   */
  issueCertificate(host: 'mx1' | 'mx2', days?: number, names?: readonly string[]): Promise<HostCertificate>;
  /** Replaces a secret of a running mail host, as an update of it in Secrets Manager would. */
  putSecret(host: 'mx1' | 'mx2', name: string, value: object): void;
  /**
   * Renders a host again from a changed spec (the config adapter's, then `tune`) and serves its
   * bundle, as `terraform apply` of a changed config would (new S3 object, new `mirovoy:bundle`
   * tag); the host picks it up at its next convergence run. Returns the bundle.
   */
  publishSpec(host: 'mx1' | 'mx2', tune: (spec: MailHostSpec) => MailHostSpec): HostBundle;
  /** Serves any bundle text under a key and names it (with `sha256`, default its own) in the setting `bundle`. */
  publishBundle(host: 'mx1' | 'mx2', content: string, sha256?: string): void;
  /** Lets the database accept connections again (after `databaseDownAtBoot`). */
  releaseDatabase(): Promise<void>;
  /** Waits until a mail host reports mail-ready (throws with its provisioning journal otherwise). */
  waitForMailReady(host: 'mx1' | 'mx2', timeoutMs?: number): Promise<void>;
  /** Runs one convergence now (what the host's timer does every few minutes); its exit code and log. */
  converge(host: 'mx1' | 'mx2'): Promise<{ code: number | null; log: string }>;
  /** The records the rehearsal DNS serves now (the published set plus the foreign parties). */
  readonly dnsRecords: readonly DnsRecord[];
  /** Serves another record set from now on (see {@link Rehearsal.serveDns}); `dnsRecords` follows. */
  serveDns(records: readonly DnsRecord[]): Promise<void>;
  /** A snapshot of a running host's data volume (its file system frozen meanwhile): the image copy's path. */
  snapshotVolume(host: 'mx1' | 'mx2', volume: DataVolumeName): Promise<string>;
  /**
   * Replaces a host by a fresh instance (new root file system, same user data, seam files and
   * address) whose data volumes are the given images, e.g. snapshots, as a restore onto a new
   * instance does; returns once it is mail-ready.
   */
  replaceHost(host: 'mx1' | 'mx2', volumes: Partial<Record<DataVolumeName, string>>): Promise<void>;
  /** Stops the rehearsal (its sinks included) and deletes the test CA. */
  stop(): Promise<void>;
}

/** A password from the alphabet every option-file reader agrees on. */
const newPassword = () => randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 24);

/**
 * A master password like one RDS may generate (any printable ASCII but / @ "), with the
 * characters that are special to option files, shells and SQL, plus `"` and spaces for good
 * measure: only the mariadb client reads it, from a quoted option-file value.
 */
const newMasterPassword = () => `${newPassword().slice(0, 12)} #;'"\\$\`!%^&*()[]{}<>?|~=+,.: `;

const seamSecret = (name: string, value: object): GuestFile => ({ path: `${REHEARSAL_SEAM_DIRECTORY}/secrets/${name}`, content: JSON.stringify(value), mode: 0o600 });
const seamSecrets = (secrets: Record<string, object>): GuestFile[] => Object.entries(secrets).map(([name, value]) => seamSecret(name, value));
/** The secrets of `secrets` that a host reads (`secretsReadBy`). */
const readBy = (rendering: MailHostRendering, secrets: Record<string, object>): Record<string, object> =>
  Object.fromEntries(Object.entries(secrets).filter(([name]) => secretsReadBy(rendering).includes(name)));

/**
 * The test CA's root in a mail host's trust store, as public CAs are on EC2 (Postfix verifies
 * the relay's certificate against it). cloud-init's ca_certs module installs it at boot from
 * system configuration, not from the user data.
 */
const trustedRoot = (rootPem: string): GuestFile => ({
  path: '/etc/cloud/cloud.cfg.d/91-rehearsal-ca.cfg',
  content: `# Rehearsal: trust the test CA (stands for the public CAs of a real relay).\n${stringify({ ca_certs: { trusted: [rootPem] } })}`,
});

/** What EC2 instance tags tell a host; here files of the seam directory. */
const seamSettings = (settings: Partial<Record<keyof typeof RUNTIME_SETTINGS, string>>): GuestFile[] =>
  Object.entries(settings).map(([key, value]) => ({
    path: `${REHEARSAL_SEAM_DIRECTORY}/settings/${RUNTIME_SETTINGS[key as keyof typeof RUNTIME_SETTINGS]}`,
    content: `${value}\n`,
  }));

/** The files that serve a bundle (under its own hash, or as named by `sha256`: a wrong hash for tests). */
const publishedBundle = (host: 'mx1' | 'mx2' | 'web' | 'pma', bundle: HostBundle, sha256 = bundle.sha256): GuestFile[] => {
  const key = bundleObjectKey(host, { ...bundle, sha256 });
  return [
    { path: `${REHEARSAL_SEAM_DIRECTORY}/bundles/${key}`, content: bundle.content },
    { path: `${REHEARSAL_SEAM_DIRECTORY}/settings/${RUNTIME_SETTINGS.bundle}`, content: `${bundleSettingValue(key, { ...bundle, sha256 })}\n` },
  ];
};

/** nftables table (in the database host's namespace) that makes the database refuse connections. */
const HOLD_DATABASE_TABLE = 'mirovoy_rehearsal_hold';
const HOLD_DATABASE_RULES = `table inet ${HOLD_DATABASE_TABLE} {\n  chain input {\n    type filter hook input priority 0;\n    tcp dport 3306 reject with tcp reset\n  }\n}\n`;

/** How long a mail host may take from boot to mail-ready (packages, schema, daemons). */
const MAIL_READY_TIMEOUT_MS = 600_000;

/**
 * Waits until the host's provisioning reports mail-ready (the bootstrap only starts it, so
 * cloud-init is done long before). Throws with the unit's journal when it does not come.
 */
const waitForMailReady = async (rehearsal: Rehearsal, host: string, timeoutMs = MAIL_READY_TIMEOUT_MS): Promise<void> => {
  const container = rehearsal.host(host);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await container.exec(['test', '-e', '/run/mirovoy/ready'], { allowFailure: true });
    if (ready.code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const journal = await container.exec(['journalctl', '--no-pager', '-o', 'cat', '-n', '60', '-u', `${PROVISION_UNIT}.service`], { allowFailure: true });
  const status = await container.exec(['cat', CONVERGE_STATUS_FILE], { allowFailure: true });
  throw new Error(`${host} did not become mail-ready within ${timeoutMs / 1000} s\n--- status ---\n${status.stdout}\n--- journal ---\n${journal.stdout}`);
};

/** One booted mail host of the rehearsal. */
interface RehearsedMailHost {
  readonly name: 'mx1' | 'mx2';
  readonly ip: string;
  readonly priority: number;
  readonly rendering: MailHostRendering;
}

/** The DNS the rehearsal serves: our published record set plus the foreign parties. */
const dnsRecordsFor = (
  config: MirovoyConfig,
  hosts: readonly RehearsedMailHost[],
  dkimPublicKeys: Record<string, string>,
  nextDkim: { readonly selector: string; readonly publicKeys: Record<string, string> },
): DnsRecord[] => [
  ...rehearsalDnsRecords(
    mailDnsRecords({
      // The config's own record policy (DMARC, reports, MTA-STS, SPF includes), as Route53 publishes it.
      ...mailDnsPolicyOf(config),
      exchangers: hosts.map((h) => ({ hostname: h.rendering.spec.hostname, ipv4: h.ip, priority: h.priority })),
      dkim: { selector: dkimSigningSelector(config), publicKeys: dkimPublicKeys },
    }),
  ),
  // The next keys' TXT records alone, from the same record-set function.
  ...rehearsalDnsRecords(
    mailDnsRecords({
      domains: config.mailDomains,
      exchangers: hosts.map((h) => ({ hostname: h.rendering.spec.hostname, ipv4: h.ip, priority: h.priority })),
      dkim: nextDkim,
    }).filter((r) => r.name.startsWith(`${nextDkim.selector}._domainkey.`)),
  ),
  { type: 'A', name: REHEARSAL_NAMES.database, value: MAIL_REHEARSAL_ADDRESSES.database },
  { type: 'A', name: REHEARSAL_NAMES.senderHost, value: MAIL_REHEARSAL_ADDRESSES.client },
  { type: 'PTR', name: MAIL_REHEARSAL_ADDRESSES.client, value: REHEARSAL_NAMES.senderHost },
  { type: 'MX', name: REHEARSAL_NAMES.senderDomain, value: REHEARSAL_NAMES.senderHost, priority: 10 },
  { type: 'TXT', name: REHEARSAL_NAMES.senderDomain, value: `v=spf1 ip4:${MAIL_REHEARSAL_ADDRESSES.client} -all` },
  // An MX so Postfix's reject_unknown_sender_domain lets it through to the SPF check.
  { type: 'MX', name: REHEARSAL_NAMES.spfFailDomain, value: REHEARSAL_NAMES.senderHost, priority: 10 },
  { type: 'TXT', name: REHEARSAL_NAMES.spfFailDomain, value: 'v=spf1 ip4:192.0.2.1 -all' },
  { type: 'MX', name: REHEARSAL_NAMES.sinkDomain, value: REHEARSAL_NAMES.sinkHost, priority: 10 },
  { type: 'A', name: REHEARSAL_NAMES.sinkHost, value: MAIL_REHEARSAL_ADDRESSES.client },
  { type: 'A', name: REHEARSAL_NAMES.relayHost, value: MAIL_REHEARSAL_ADDRESSES.client },
];


/** Starts an SMTP sink on the client, owned by the rehearsal (its teardown stops it); resolves once it listens. */
const startSink = async (rehearsal: Rehearsal, directory: string, options?: SmtpSinkOptions): Promise<void> => {
  mkdirSync(directory, { recursive: true });
  // The options (a key, a password) go through a root-only file in the run directory.
  const optionsFile = options ? join(rehearsal.directory, `${directory.split('/').pop()}.json`) : null;
  if (optionsFile) writeFileSync(optionsFile, JSON.stringify(options), { mode: 0o600 });
  const sink = rehearsal.startService(
    'client',
    [join(__dirname, '../node_modules/.bin/tsx'), join(__dirname, 'smtp-sink.ts'), MAIL_REHEARSAL_ADDRESSES.client, directory, ...(optionsFile ? [optionsFile] : [])],
    { stdout: 'pipe' },
  );
  await new Promise<void>((resolve, reject) => {
    sink.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code}) before listening`)));
    sink.stdout?.once('data', () => resolve());
  });
};

/** Starts the load balancer's stand-in on the client (HTTPS 443 → the web host's port 80); resolves once it listens. */
const startProxy = async (rehearsal: Rehearsal, tls: HostCertificate, client = 'client', listen: string = MAIL_REHEARSAL_ADDRESSES.client, target: string = MAIL_REHEARSAL_ADDRESSES.webmail): Promise<void> => {
  const proxyOptions: WebmailProxyOptions = {
    listen: { address: listen, port: 443 },
    target: { address: target, port: 80 },
    tls: { chainPem: tls.chainPem, keyPem: tls.keyPem },
  };
  const optionsFile = join(rehearsal.directory, `proxy-${client}.json`);
  writeFileSync(optionsFile, JSON.stringify(proxyOptions), { mode: 0o600 });
  const proxy = rehearsal.startService(client, [join(__dirname, '../node_modules/.bin/tsx'), join(__dirname, 'webmail-proxy.ts'), optionsFile], { stdout: 'pipe' });
  await new Promise<void>((resolve, reject) => {
    proxy.once('exit', (code) => reject(new Error(`the webmail proxy exited (${code}) before listening`)));
    proxy.stdout?.once('data', () => resolve());
  });
};

/** DKIM keys as they come from outside the host (Terraform on AWS, this harness here). */
const newDkimKeys = (domains: readonly string[]) =>
  Object.fromEntries(
    domains.map((domain) => [domain, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()]),
  );

/**
 * Boots the mail system of a config (default: the embedded example): the database stand-in,
 * the primary MX and, when the config has one, the backup MX.
 */
export async function startMailRehearsal(options: MailRehearsalOptions = {}): Promise<MailRehearsal> {
  const relayed = options.authenticatedRelay ?? false;
  const baseConfig = options.config ?? loadConfig('example');
  const config: MirovoyConfig = relayed
    ? {
        ...baseConfig,
        // The ARN only says "log in"; the harness serves the secret `relay` itself.
        mail: { ...baseConfig.mail, outbound: 'direct', relayHost: `[${REHEARSAL_NAMES.relayHost}]:${RELAY_PORT}`, relayCredentialsSecretArn: REHEARSAL_RELAY_SECRET_ARN },
      }
    : baseConfig;
  const withBackupMx = options.backupMx ?? config.mail.backupMx.enabled;
  const tune = options.tuneSpec ?? ((spec: MailHostSpec) => spec);
  const ca = await createTestCa();
  let started = false;
  try {
    // The test CA issues the hosts' certificates, as Let's Encrypt does on EC2, so the backup MX
    // verifies the primary against its root (as against staging's roots there). No backup MX
    // address, as on EC2, where it is made by Terraform after the files are rendered: the primary
    // trusts the backup by its forward-confirmed name, not its address.
    const site: MailHostSite = { primaryMxTrustAnchors: [ca.rootPem] };
    const specOf = (role: MailHostRole) => tune(mailHostSpecFromConfig(config, role, site));
    const hosts: RehearsedMailHost[] = [
      { name: 'mx1', ip: MAIL_REHEARSAL_ADDRESSES.primary, priority: 10, rendering: renderMailHost(specOf('primary')) },
      ...(withBackupMx ? [{ name: 'mx2', ip: MAIL_REHEARSAL_ADDRESSES.backup, priority: 20, rendering: renderMailHost(specOf('backup')) } as const] : []),
    ];
    const primaryHostname = hosts[0].rendering.spec.hostname;
    const dkimKeys = newDkimKeys(config.mailDomains);
    const dkimPublicKeys = Object.fromEntries(Object.entries(dkimKeys).map(([domain, pem]) => [domain, dkimPublicKeyBase64(pem)]));
    const nextSelector = `${dkimSigningSelector(config)}-next`;
    const nextDkimKeys = newDkimKeys(config.mailDomains);
    const nextDkim = {
      selector: nextSelector,
      publicKeys: Object.fromEntries(Object.entries(nextDkimKeys).map(([domain, pem]) => [domain, dkimPublicKeyBase64(pem)])),
      secrets: Object.fromEntries(Object.entries(nextDkimKeys).map(([domain, pem]) => [domain, { private_key: pem, selector: nextSelector }])),
    };
    const databaseCertificate = await ca.issue([REHEARSAL_NAMES.database]);
    const masterPassword = newMasterPassword();
    // One password per database account, shared by the hosts (as one Secrets Manager secret is).
    const users = hosts[0].rendering.spec.database.users;
    const accounts = {
      [RUNTIME_SECRETS.databaseMaster]: { username: MASTER_USER, password: masterPassword },
      [RUNTIME_SECRETS.databaseLookup]: { username: users.lookup, password: newPassword() },
      [RUNTIME_SECRETS.databasePostfix]: { username: users.postfix, password: newPassword() },
      [RUNTIME_SECRETS.databaseAdmin]: { username: users.admin, password: newPassword() },
      [RUNTIME_SECRETS.databaseAmavis]: { username: users.amavis, password: newPassword() },
      [RUNTIME_SECRETS.databaseDump]: { username: users.dump, password: newPassword() },
      // Made by the primary (config webmail.enabled), used by the webmail host.
      [RUNTIME_SECRETS.databaseRoundcube]: { username: users.roundcube, password: newPassword() },
      [RUNTIME_SECRETS.databaseWebmailPassword]: { username: users.webmailPassword, password: newPassword() },
      [RUNTIME_SECRETS.roundcube]: { des_key: newPassword() },
      [RUNTIME_SECRETS.databaseCa]: { certificate: ca.rootPem },
      // Made by the web stack on AWS: 32 letters and digits.
      [PHPMYADMIN_BLOWFISH_SECRET.name]: { [PHPMYADMIN_BLOWFISH_SECRET.field]: randomBytes(16).toString('hex') },
      ...Object.fromEntries(Object.entries(dkimKeys).map(([domain, pem]) => [dkimSecretName(domain), { private_key: pem }])),
    };
    // SES SMTP credentials look like this: an access key id, and a base64 password.
    const relayCredentials = relayed ? { username: 'AKIAREHEARSAL0RELAY', password: `${newPassword()}+/=` } : null;
    const rotatedRelayCredentials = { username: 'AKIAREHEARSAL1ROTATED', password: `${newPassword()}/+=` };
    // Made by Terraform on AWS (modules/mail/sample-passwords.ts); read by the primary only.
    const testDataPasswords = config.testData ? Object.fromEntries(TEST_DATA_USERS.map((user) => [user, newPassword()])) : null;
    const certificates = await Promise.all(hosts.map((h) => ca.issue([h.rendering.spec.hostname], [h.ip])));
    let dnsRecords: readonly DnsRecord[] = dnsRecordsFor(config, hosts, dkimPublicKeys, nextDkim);
    // What a mail host finds when it boots, besides the ids of its volumes.
    const hostFiles = (h: RehearsedMailHost, i: number): GuestFile[] => [
      ...publishedBundle(h.name, renderMailHostBundle(h.rendering, { admin: config.admin })),
      ...CLAMAV_OVERRIDES,
      trustedRoot(ca.rootPem),
      ...seamSettings({ databaseHost: REHEARSAL_NAMES.database }),
      // Only what the host reads, as its instance role allows on EC2: the backup MX gets no master.
      ...seamSecrets(
        readBy(h.rendering, {
          ...accounts,
          [RUNTIME_SECRETS.tls]: { certificate_chain: certificates[i].chainPem, private_key: certificates[i].keyPem },
          ...(relayCredentials ? { [RUNTIME_SECRETS.relay]: relayCredentials } : {}),
          ...(testDataPasswords ? { [RUNTIME_SECRETS.testData]: testDataPasswords } : {}),
        }),
      ),
      ...(h.name === 'mx1' ? (options.objects ?? []).map((o) => ({ path: rehearsalObjectPath(o.bucket, o.key), content: o.content, mode: 0o600 })) : []),
    ];
    // The primary's data volumes, as on EC2: each a device and its id in the setting volume-<name>.
    const primaryVolumes = Object.entries(options.primaryVolumes ?? {}) as [DataVolumeName, number][];
    const volumeIdFiles = (names: readonly DataVolumeName[]): GuestFile[] =>
      names.map((name) => ({ path: `${REHEARSAL_SEAM_DIRECTORY}/settings/${volumeSetting(name)}`, content: `${REHEARSAL_VOLUME_IDS[name]}\n` }));
    // The webmail host: the proxy on the client is its only trusted source of X-Forwarded-For.
    const web = options.webmail ? renderWebHost(webHostSpecFromConfig(config, { trustedProxies: [`${MAIL_REHEARSAL_ADDRESSES.client}/32`] }), { admin: config.admin }) : null;
    const webFiles = (w: WebHostRendering): GuestFile[] => [
      ...publishedBundle('web', renderWebHostBundle(w.spec, { admin: config.admin })),
      trustedRoot(ca.rootPem),
      ...seamSettings({ databaseHost: REHEARSAL_NAMES.database }),
      ...seamSecrets(Object.fromEntries(Object.entries(accounts).filter(([name]) => webHostSecretNames(w).includes(name)))),
    ];
    if (web) dnsRecords = [...dnsRecords, { type: 'A', name: web.spec.publicHostname, value: MAIL_REHEARSAL_ADDRESSES.client }];
    // The phpMyAdmin host: its proxy is its only trusted source of X-Forwarded-For.
    const pma = options.phpMyAdmin
      ? renderPhpMyAdminHost(phpMyAdminHostSpecFromConfig(config, { trustedProxies: [`${MAIL_REHEARSAL_ADDRESSES.phpMyAdminBalancer}/32`] }), { admin: config.admin })
      : null;
    if (pma) dnsRecords = [...dnsRecords, { type: 'A', name: pma.spec.publicHostname, value: MAIL_REHEARSAL_ADDRESSES.phpMyAdminBalancer }];
    const pmaFiles = (p: PhpMyAdminHostRendering): GuestFile[] => [
      ...publishedBundle('pma', renderPhpMyAdminHostBundle(p.spec, { admin: config.admin })),
      ...seamSettings({ databaseHost: REHEARSAL_NAMES.database }),
      ...seamSecrets(Object.fromEntries(Object.entries(accounts).filter(([name]) => webHostSecretNames(p).includes(name)))),
    ];
    const rehearsal = await Rehearsal.start({
      hosts: [
        {
          name: 'db',
          fqdn: REHEARSAL_NAMES.database,
          ip: MAIL_REHEARSAL_ADDRESSES.database,
          userData: renderDatabaseHostUserData(),
          extraFiles: databaseHostFiles({ masterUser: MASTER_USER, masterPassword, certificate: databaseCertificate }),
        },
        ...hosts.map((h, i) => ({
          name: h.name,
          fqdn: h.rendering.spec.hostname,
          ip: h.ip,
          userData: renderMailHostUserData(h.rendering, { admin: config.admin }),
          extraFiles: [...hostFiles(h, i), ...(h.name === 'mx1' ? volumeIdFiles(primaryVolumes.map(([name]) => name)) : [])],
          volumes: h.name === 'mx1' ? primaryVolumes.map(([name, sizeMiB]) => ({ device: dataVolume(name).device, sizeMiB })) : [],
        })),
        ...(web ? [{ name: 'web', fqdn: web.spec.hostname, ip: MAIL_REHEARSAL_ADDRESSES.webmail, userData: renderWebHostUserData(web.spec, { admin: config.admin }), extraFiles: webFiles(web) }] : []),
        ...(pma ? [{ name: 'pma', fqdn: pma.spec.hostname, ip: MAIL_REHEARSAL_ADDRESSES.phpMyAdmin, userData: renderPhpMyAdminHostUserData(pma.spec, { admin: config.admin }), extraFiles: pmaFiles(pma) }] : []),
      ],
      clients: [
        { name: 'client', ip: MAIL_REHEARSAL_ADDRESSES.client },
        { name: 'prober', ip: MAIL_REHEARSAL_ADDRESSES.prober },
        ...(pma ? [{ name: 'pma-lb', ip: MAIL_REHEARSAL_ADDRESSES.phpMyAdminBalancer }] : []),
      ],
      dnsRecords,
      beforeBoot: options.databaseDownAtBoot ? (lan) => lan.exec('db', ['nft', '-f', '-'], { input: HOLD_DATABASE_RULES }).then(() => undefined) : undefined,
      // What the user data installs, with its closure; a superset of the default repository's
      // list shares its cache entry with the other suites.
      repo: {
        packages: [...new Set([...exampleMailHostPackages(), ...DATABASE_HOST_PACKAGES, ...hosts.flatMap((h) => mailHostPackages(h.rendering, config.admin)), ...(web?.plan.packages ?? []), ...(pma?.plan.packages ?? [])])],
      },
    });
    const untilMailReady = async (host: string, timeoutMs?: number) => {
      await waitForMailReady(rehearsal, host, timeoutMs);
      if (!options.convergenceTimers) await rehearsal.host(host).exec(['systemctl', 'stop', CONVERGE_TIMER]);
    };
    if (!options.databaseDownAtBoot) await Promise.all([...hosts.map((h) => h.name), ...(web ? ['web'] : []), ...(pma ? ['pma'] : [])].map((name) => untilMailReady(name)));
    const rootCaFile = join(rehearsal.directory, 'test-root-ca.pem');
    writeFileSync(rootCaFile, ca.rootPem);
    const sinkDirectory = join(rehearsal.directory, 'sink');
    const relayDirectory = join(rehearsal.directory, 'relay');
    try {
      await startSink(rehearsal, sinkDirectory);
      if (web) await startProxy(rehearsal, await ca.issue([web.spec.publicHostname]));
      if (pma) await startProxy(rehearsal, await ca.issue([pma.spec.publicHostname]), 'pma-lb', MAIL_REHEARSAL_ADDRESSES.phpMyAdminBalancer, MAIL_REHEARSAL_ADDRESSES.phpMyAdmin);
      if (relayCredentials) {
        const tls = await ca.issue([REHEARSAL_NAMES.relayHost]);
        await startSink(rehearsal, relayDirectory, { port: RELAY_PORT, tls, auth: [relayCredentials, rotatedRelayCredentials] });
      }
    } catch (error) {
      await rehearsal.stop();
      throw error;
    }
    started = true;
    progress(`mail rehearsal of "${config.environment}" ready: ${primaryHostname} at ${MAIL_REHEARSAL_ADDRESSES.primary}`);
    return {
      rehearsal,
      config,
      primaryHostname,
      rootCaFile,
      primaryChainPem: certificates[0].chainPem,
      sinkDirectory,
      dkimPublicKeys,
      nextDkim,
      relay: relayCredentials ? { directory: relayDirectory, username: relayCredentials.username, rotated: rotatedRelayCredentials } : null,
      webmail: web
        ? {
            url: `https://${web.spec.publicHostname}/`,
            host: 'web',
            rendering: web,
            replace: async () => {
              await rehearsal.replaceHost('web', { extraFiles: webFiles(web) });
              await untilMailReady('web');
            },
          }
        : null,
      phpMyAdmin: pma ? { url: `https://${pma.spec.publicHostname}/`, address: MAIL_REHEARSAL_ADDRESSES.phpMyAdminBalancer, host: 'pma', rendering: pma } : null,
      testDataPasswords,
      issueCertificate: (host, days, names) => {
        const h = hosts.find((x) => x.name === host);
        if (!h) throw new Error(`no mail host ${host} in this rehearsal`);
        return names ? ca.issue(names, [], days) : ca.issue([h.rendering.spec.hostname], [h.ip], days);
      },
      putSecret: (host, name, value) => rehearsal.host(host).writeFile(seamSecret(name, value)),
      publishSpec: (host, tuneAgain) => {
        const bundle = renderMailHostBundle(renderMailHost(tuneAgain(specOf(host === 'mx1' ? 'primary' : 'backup'))), { admin: config.admin });
        publishedBundle(host, bundle).forEach((f) => rehearsal.host(host).writeFile(f));
        return bundle;
      },
      publishBundle: (host, content, sha256) => {
        const own = createHash('sha256').update(content, 'utf8').digest('hex');
        publishedBundle(host, { content, sha256: own }, sha256).forEach((f) => rehearsal.host(host).writeFile(f));
      },
      releaseDatabase: async () => {
        await rehearsal.exec('db', ['nft', 'delete', 'table', 'inet', HOLD_DATABASE_TABLE]);
      },
      waitForMailReady: (host, timeoutMs) => untilMailReady(host, timeoutMs),
      converge: async (host) => {
        const unit = `${PROVISION_UNIT}.service`;
        // A run already under way (a retry after a failure) finishes first: this one must be fresh.
        const state = async () => (await rehearsal.host(host).exec(['systemctl', 'show', '-p', 'ActiveState', '--value', unit])).stdout.trim();
        for (const deadline = Date.now() + 600_000; (await state()) === 'activating' && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 500));
        const run = await rehearsal.host(host).exec(['systemctl', 'start', unit], { allowFailure: true, timeoutMs: 600_000 });
        // One property a call: systemctl prints several in its own order, not the order asked.
        const property = async (name: string) => (await rehearsal.host(host).exec(['systemctl', 'show', '-p', name, '--value', unit])).stdout.trim();
        const [id, status] = [await property('InvocationID'), await property('ExecMainStatus')];
        const log = await rehearsal.host(host).exec(['journalctl', '--no-pager', '-o', 'cat', `_SYSTEMD_INVOCATION_ID=${id}`]);
        await rehearsal.host(host).exec(['systemctl', 'reset-failed', unit], { allowFailure: true });
        // systemctl says only "failed"; the unit's own exit status tells refused (3) from failed.
        return { code: run.code === 0 ? 0 : Number(status), log: log.stdout };
      },
      get dnsRecords() {
        return dnsRecords;
      },
      serveDns: async (records) => {
        await rehearsal.serveDns(records);
        dnsRecords = records;
      },
      snapshotVolume: (host, volume) => rehearsal.snapshotVolume(host, dataVolume(volume).device, dataVolume(volume).mountPoint),
      replaceHost: async (host, volumes) => {
        const given = Object.entries(volumes) as [DataVolumeName, string][];
        const index = hosts.findIndex((h) => h.name === host);
        if (index < 0) throw new Error(`no mail host ${host} in this rehearsal`);
        // The bundle and secrets it first booted with, and the ids of the volumes given.
        await rehearsal.replaceHost(host, {
          extraFiles: [...hostFiles(hosts[index], index), ...volumeIdFiles(given.map(([name]) => name))],
          volumes: given.map(([name, image]) => ({ device: dataVolume(name).device, image })),
        });
        await untilMailReady(host);
      },
      async stop() {
        try {
          await rehearsal.stop();
        } finally {
          ca.dispose();
        }
      },
    };
  } finally {
    if (!started) ca.dispose();
  }
}
