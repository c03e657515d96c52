/**
 * OpenDKIM: signs mail of every hosted domain on its way out and verifies inbound
 * signatures (Mode sv), as a Postfix milter. opendkim.conf(5); RFC 6376.
 * The private keys come from outside the host (run-time secrets, see `dkimKeyFiles`).
 */
import { createPublicKey } from 'node:crypto';
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { KeyValue, renderKeyValueLines } from '../format/key-value';
import { Milters } from '../postfix/extensions';
import { PRIVATE_DIRECTORY } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';

/** Where the milter listens. */
export const OPENDKIM_PORT = 8891;
/** Path of the configuration Debian's opendkim.service reads. */
export const OPENDKIM_CONF = '/etc/opendkim.conf';
/**
 * Key table: key name (the domain) → domain:selector:key file. Written at run time by the
 * provision step from the secrets, because a key and its selector travel together in the secret
 * `dkim-<domain>` (`{"private_key", "selector"}`): a rotation to a new key under a new selector
 * is one secret version, so the host never signs with a key under the other key's selector.
 */
export const OPENDKIM_KEY_TABLE = '/etc/opendkim/key.table';
/** Signing table: sender pattern → key table entry. */
export const OPENDKIM_SIGNING_TABLE = '/etc/opendkim/signing.table';

/** A DKIM private key file the provision step writes from a run-time secret. */
export interface DkimKeyFile {
  readonly path: string;
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
  /** The domain whose mail this key signs (secret `dkim-<domain>`, field `private_key`, PEM). */
  readonly domain: string;
  /** The selector when the secret names none (field `selector`). */
  readonly selector: string;
}

/**
 * One key file per hosted domain, owned by opendkim and unreadable to anyone else
 * (OpenDKIM's RequireSafeKeys refuses group- or world-readable keys). Empty when DKIM is off.
 */
export const dkimKeyFiles = (spec: ResolvedMailHostSpec): DkimKeyFile[] =>
  spec.dkim.enabled
    ? spec.mailDomains.map((domain) => ({
        path: `${PRIVATE_DIRECTORY.path}/dkim-${domain}.pem`,
        mode: '0600',
        owner: 'opendkim',
        group: 'opendkim',
        domain,
        selector: spec.dkim.selector,
      }))
    : [];

/**
 * The public key of a PEM private or public key, as the `p=` value of the DKIM TXT record
 * (base64 of the DER SubjectPublicKeyInfo, RFC 6376 §3.6.1); feed it to `dkimTxtValue`.
 */
export const dkimPublicKeyBase64 = (pem: string): string =>
  createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');

/** The milter hook for Postfix: SMTP and locally submitted mail. */
export const opendkimMilters = (): Milters => ({
  endpoints: [`inet:127.0.0.1:${OPENDKIM_PORT}`],
  // Inbound (port 25, local mail) OpenDKIM only verifies: without it mail is still delivered,
  // unverified. Submitted mail it must sign: unsigned, it fails DMARC at every receiver (and
  // p=reject drops it), so the user's client is told to retry (451 4.7.1) instead; nothing is lost.
  defaultAction: 'accept',
  submissionDefaultAction: 'tempfail',
});

/** opendkim.conf settings, in file order. */
export const opendkimSettings = (spec: ResolvedMailHostSpec): Readonly<Record<string, KeyValue>> => ({
  // Debian's own values, kept because we replace the whole file.
  Syslog: true,
  SyslogSuccess: true,
  UserID: 'opendkim',
  UMask: '007',
  PidFile: '/run/opendkim/opendkim.pid',
  TrustAnchorFile: '/usr/share/dns/root.key',
  // Sign outbound, verify inbound (adds Authentication-Results).
  Mode: 'sv',
  // Loopback TCP: Postfix needs no membership in the opendkim group and no socket in its
  // queue directory, and only processes on this host can reach it.
  Socket: `inet:${OPENDKIM_PORT}@127.0.0.1`,
  // relaxed headers survive the header re-folding some relays do; simple body is the norm.
  Canonicalization: 'relaxed/simple',
  // Sign From: twice so nobody can add a second From: without breaking the signature.
  OversignHeaders: 'From',
  // refile: the signing table's keys are patterns (*@domain).
  KeyTable: `file:${OPENDKIM_KEY_TABLE}`,
  SigningTable: `refile:${OPENDKIM_SIGNING_TABLE}`,
  // Mail from these clients is signed, not verified: this host (sendmail, notices) and our
  // networks. Authenticated submission clients are signed because Postfix passes the
  // {auth_type} macro, which OpenDKIM treats as internal.
  InternalHosts: ['127.0.0.1', '::1', ...spec.trustedNetworks],
  ExternalIgnoreList: ['127.0.0.1', '::1', ...spec.trustedNetworks],
});

/** opendkim.conf and its signing table (no key material; the key table is written at run time). Nothing when DKIM is off. */
export const renderOpendkim = (spec: ResolvedMailHostSpec): RenderedFile[] => {
  if (!spec.dkim.enabled) return [];
  const keys = dkimKeyFiles(spec);
  const file = (path: string, body: string): RenderedFile => ({
    path,
    content: withHeader('#', 'host/opendkim/index.ts', body),
    mode: '0644',
    owner: 'root',
    group: 'root',
  });
  return [
    file(OPENDKIM_CONF, renderKeyValueLines(opendkimSettings(spec))),
    // Each sender pattern names its domain's key-table entry (named by the domain, not the selector).
    file(OPENDKIM_SIGNING_TABLE, renderKeyValueLines(Object.fromEntries(keys.map((k) => [`*@${k.domain}`, k.domain])))),
  ];
};

/** OpenDKIM: signs and verifies as Postfix's milter. */
export const opendkimDaemon: MailDaemon = {
  name: 'opendkim',
  layer: 'filter',
  enabled: (spec) => spec.dkim.enabled,
  packages: () => ['opendkim', 'opendkim-tools'],
  files: renderOpendkim,
  units: () => ['opendkim'],
  checks: () => [{ unit: 'opendkim', command: ['opendkim', '-n', '-x', OPENDKIM_CONF] }],
  // opendkim.conf and the tables in /etc/opendkim/.
  unitOfPath: [{ prefix: '/etc/opendkim', unit: 'opendkim' }],
  postfix: () => ({ milters: opendkimMilters() }),
};
