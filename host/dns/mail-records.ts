/**
 * The DNS records a mail system needs, computed once from the deployment's facts. Route53
 * publishes exactly this list on AWS, and the rehearsal's DNS server serves it locally, so the
 * tests check what we publish.
 */
import { createHash } from 'node:crypto';
import { IMAP_STARTTLS_PORT, IMAPS_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT } from '../client-ports';
import { splitTxtValue } from './txt-chunks';

/** One DNS record set. TXT values are lists of ≤ 255-byte strings. */
export type MailDnsRecord =
  | { readonly type: 'A' | 'CNAME' | 'PTR'; readonly name: string; readonly ttl: number; readonly values: readonly string[] }
  | { readonly type: 'MX'; readonly name: string; readonly ttl: number; readonly values: readonly { readonly priority: number; readonly host: string }[] }
  | { readonly type: 'TXT'; readonly name: string; readonly ttl: number; readonly values: readonly (readonly string[])[] }
  | {
      readonly type: 'SRV';
      readonly name: string;
      readonly ttl: number;
      readonly values: readonly { readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }[];
    }
  | { readonly type: 'CAA'; readonly name: string; readonly ttl: number; readonly values: readonly { readonly flags: number; readonly tag: string; readonly value: string }[] };

/** A mail exchanger: a host name, its public IPv4 address and its MX preference. */
export interface MailExchanger {
  readonly hostname: string;
  readonly ipv4: string;
  /** Lower is tried first: the primary 10, the backup MX 20. */
  readonly priority: number;
}

/** A mail exchanger by name: what the per-domain records need of it (no address). */
export type NamedMailExchanger = Omit<MailExchanger, 'ipv4'>;

/** DKIM public keys published under one selector. */
export interface DkimPublication {
  readonly selector: string;
  /** Base64 DER public key per domain. */
  readonly publicKeys: Readonly<Record<string, string>>;
}

/** Facts the record set is computed from. */
export interface MailDnsSpec {
  /** Domains we receive mail for. */
  readonly domains: readonly string[];
  /** Primary (and backup) MX. The first is where users connect for IMAP and submission. */
  readonly exchangers: readonly MailExchanger[];
  /** DKIM selector and the base64 DER public key per domain (domains without a key are not signed). */
  readonly dkim?: DkimPublication;
  /** Further keys published beside `dkim` (during a key rotation both are). @default none */
  readonly otherDkim?: readonly DkimPublication[];
  /** DMARC policy for the domains. @default 'quarantine' */
  readonly dmarcPolicy?: 'none' | 'quarantine' | 'reject';
  /** Address that receives aggregate DMARC and TLS reports. @default none (no rua) */
  readonly reportAddress?: string;
  /** Certificate authorities allowed to issue for the domains (CAA). @default ['letsencrypt.org', 'amazon.com'] */
  readonly certificateAuthorities?: readonly string[];
  /** Other names mail clients use for the first exchanger (CNAMEs of it). @default none */
  readonly clientHostnames?: readonly string[];
  /** MTA-STS mode to announce (RFC 8461); the web tier serves the matching policy file. @default none */
  readonly mtaStsMode?: 'testing' | 'enforce';
  /**
   * Domains whose SPF policy also covers our mail (`include:<domain>`, RFC 7208 §5.2), e.g. the
   * smarthost all mail leaves through. `mx` stays first, so our own hosts still pass.
   * @default none (only the MX hosts send)
   */
  readonly spfInclude?: readonly string[];
  /** Time to live of every record, in seconds. @default 3600 */
  readonly ttl?: number;
  /** The primary offers IMAP with STARTTLS on 143 (its `imapStartTls`): `_imap._tcp` names it. @default false (not offered) */
  readonly imapStartTls?: boolean;
}

/** The facts of the per-domain records: those of {@link MailDnsSpec}, the exchangers by name. */
export interface MailDomainRecordsSpec extends Omit<MailDnsSpec, 'exchangers' | 'clientHostnames'> {
  readonly exchangers: readonly NamedMailExchanger[];
}

/** How long senders may cache our MTA-STS policy: one week. */
const MTA_STS_MAX_AGE_SECONDS = 604800;

/**
 * The MTA-STS policy file for the domains (served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`):
 * the exchangers are the only MX hosts, with valid certificates.
 */
export const mtaStsPolicy = (spec: { readonly exchangers: readonly NamedMailExchanger[];  readonly mtaStsMode: 'testing' | 'enforce' }): string =>
  ['version: STSv1', `mode: ${spec.mtaStsMode}`, ...spec.exchangers.map((mx) => `mx: ${mx.hostname}`), `max_age: ${MTA_STS_MAX_AGE_SECONDS}`, ''].join('\r\n');

/** The policy id senders compare: changes exactly when the policy file does. */
const mtaStsPolicyId = (policy: string): string => createHash('sha256').update(policy).digest('hex').slice(0, 20);

/** What MTA-STS (RFC 8461) publishes for one mail domain: the policy file, where it is served, and the TXT record announcing its id. */
export interface MtaStsPublication {
  readonly domain: string;
  /** The name the policy is served at over HTTPS: `mta-sts.<domain>` (RFC 8461 §3.2). */
  readonly policyHost: string;
  /** The path of the policy file on `policyHost`. */
  readonly policyPath: string;
  /** The policy file, byte for byte ({@link mtaStsPolicy}). */
  readonly policy: string;
  /** `_mta-sts.<domain>` TXT `v=STSv1; id=<hash of the policy>`. */
  readonly record: MailDnsRecord;
}

/**
 * The MTA-STS publication of each domain, in domain order; none without a mode. The TXT record is
 * worth publishing only where the policy is served: a sender that finds it and fails to fetch the
 * policy reports a failure (TLS-RPT).
 */
export const mtaStsPublications = (spec: Pick<MailDomainRecordsSpec, 'domains' | 'exchangers' | 'mtaStsMode' | 'ttl'>): MtaStsPublication[] => {
  if (!spec.mtaStsMode) return [];
  const policy = mtaStsPolicy({ exchangers: spec.exchangers, mtaStsMode: spec.mtaStsMode });
  const text = `v=STSv1; id=${mtaStsPolicyId(policy)}`;
  return spec.domains.map((domain) => ({
    domain,
    policyHost: `mta-sts.${domain}`,
    policyPath: '/.well-known/mta-sts.txt',
    policy,
    record: { type: 'TXT', name: `_mta-sts.${domain}`, ttl: spec.ttl ?? 3600, values: [splitTxtValue(text)] },
  }));
};

/** The DKIM TXT value for a public key (RFC 6376 §3.6.1). */
export const dkimTxtValue = (publicKeyBase64: string): string => `v=DKIM1; k=rsa; p=${publicKeyBase64}`;

const reverseName = (ipv4: string) => `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;

const domainOfAddress = (address: string): string => address.slice(address.lastIndexOf('@') + 1);

/**
 * The records of each mail domain, in a stable order: MX, SPF, DMARC (and the report
 * authorization of RFC 7489 §7.1 when reports go to another of our domains), DKIM, TLS-RPT,
 * MTA-STS, client-configuration SRV (RFC 6186/8314) and CAA. They name hosts, never addresses, so
 * a host can be told them before its address exists (`mirovoy-status` compares them with DNS).
 */
export const mailDomainRecords = (spec: MailDomainRecordsSpec): MailDnsRecord[] => {
  const ttl = spec.ttl ?? 3600;
  const imapHost = spec.exchangers[0].hostname;
  const txt = (name: string, text: string): MailDnsRecord => ({ type: 'TXT', name, ttl, values: [splitTxtValue(text)] });
  const spf = ['v=spf1', 'mx', ...(spec.spfInclude ?? []).map((domain) => `include:${domain}`), '-all'].join(' ');
  const rua = spec.reportAddress ? `; rua=mailto:${spec.reportAddress}` : '';
  const reportDomain = spec.reportAddress ? domainOfAddress(spec.reportAddress) : undefined;
  const mtaSts = new Map(mtaStsPublications(spec).map((p) => [p.domain, p.record]));
  return spec.domains.flatMap((domain): MailDnsRecord[] => {
    const dkimRecords = [...(spec.dkim ? [spec.dkim] : []), ...(spec.otherDkim ?? [])].flatMap((d) =>
      d.publicKeys[domain] ? [txt(`${d.selector}._domainkey.${domain}`, dkimTxtValue(d.publicKeys[domain]))] : [],
    );
    return [
      { type: 'MX', name: domain, ttl, values: spec.exchangers.map((mx) => ({ priority: mx.priority, host: mx.hostname })) },
      // Only our MX hosts (and the relays they send through) send for the domain; everything else fails SPF.
      txt(domain, spf),
      txt(`_dmarc.${domain}`, `v=DMARC1; p=${spec.dmarcPolicy ?? 'quarantine'}; adkim=s; aspf=s${rua}`),
      ...(reportDomain && reportDomain !== domain && spec.domains.includes(reportDomain) ? [txt(`${domain}._report._dmarc.${reportDomain}`, 'v=DMARC1')] : []),
      ...dkimRecords,
      ...(spec.reportAddress ? [txt(`_smtp._tls.${domain}`, `v=TLSRPTv1; rua=mailto:${spec.reportAddress}`)] : []),
      ...(mtaSts.has(domain) ? [mtaSts.get(domain)!] : []),
      ...clientServiceRecords(domain, imapHost, spec.imapStartTls ?? false, ttl),
      { type: 'CAA', name: domain, ttl, values: (spec.certificateAuthorities ?? ['letsencrypt.org', 'amazon.com']).map((value) => ({ flags: 0, tag: 'issue', value })) },
    ];
  });
};

/** RFC 6186 §4: the target "." says the service is decidedly not offered, so clients stop looking. */
export const SRV_NOT_OFFERED = '.';

/**
 * The RFC 6186 SRV records of a domain (RFC 8314 §5.1: implicit TLS preferred, priority 0): IMAPS
 * and submission on the ports the primary opens (host/client-ports.ts), IMAP with STARTTLS only
 * when it is on, POP3 never.
 */
const clientServiceRecords = (domain: string, host: string, imapStartTls: boolean, ttl: number): MailDnsRecord[] => {
  const record = (service: string, priority: number, weight: number, port: number, target: string): MailDnsRecord => ({ type: 'SRV', name: `_${service}._tcp.${domain}`, ttl, values: [{ priority, weight, port, target }] });
  const srv = (service: string, priority: number, port: number) => record(service, priority, 1, port, host);
  const notOffered = (service: string) => record(service, 0, 0, 0, SRV_NOT_OFFERED);
  return [
    srv('submissions', 0, SUBMISSIONS_PORT),
    srv('submission', 1, SUBMISSION_PORT),
    srv('imaps', 0, IMAPS_PORT),
    imapStartTls ? srv('imap', 1, IMAP_STARTTLS_PORT) : notOffered('imap'),
    notOffered('pop3'),
    notOffered('pop3s'),
  ];
};

/**
 * Every record for the domains and hosts, in a stable order: A and PTR of each MX host, CNAMEs of
 * the client names, then the records of each domain ({@link mailDomainRecords}).
 */
export const mailDnsRecords = (spec: MailDnsSpec): MailDnsRecord[] => {
  const ttl = spec.ttl ?? 3600;
  const imapHost = spec.exchangers[0].hostname;
  const hostRecords = spec.exchangers.flatMap((mx): MailDnsRecord[] => [
    { type: 'A', name: mx.hostname, ttl, values: [mx.ipv4] },
    { type: 'PTR', name: reverseName(mx.ipv4), ttl, values: [mx.hostname] },
  ]);
  const clientRecords = (spec.clientHostnames ?? []).map((name): MailDnsRecord => ({ type: 'CNAME', name, ttl, values: [imapHost] }));
  return [...hostRecords, ...clientRecords, ...mailDomainRecords(spec)];
};
