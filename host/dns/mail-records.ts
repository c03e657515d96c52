/**
 * The DNS records a mail system needs, computed once from the deployment's facts. Route53
 * publishes exactly this list on AWS, and the rehearsal's DNS server serves it locally, so the
 * tests check what we publish.
 */
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

/** Facts the record set is computed from. */
export interface MailDnsSpec {
  /** Domains we receive mail for. */
  readonly domains: readonly string[];
  /** Primary (and backup) MX. The first is where users connect for IMAP and submission. */
  readonly exchangers: readonly MailExchanger[];
  /** DKIM selector and the base64 DER public key per domain (domains without a key are not signed). */
  readonly dkim?: { readonly selector: string; readonly publicKeys: Readonly<Record<string, string>> };
  /** DMARC policy for the domains. @default 'quarantine' */
  readonly dmarcPolicy?: 'none' | 'quarantine' | 'reject';
  /** Address that receives aggregate DMARC and TLS reports. @default none (no rua) */
  readonly reportAddress?: string;
  /** Certificate authorities allowed to issue for the domains (CAA). @default ['letsencrypt.org', 'amazon.com'] */
  readonly certificateAuthorities?: readonly string[];
  /** Time to live of every record, in seconds. @default 3600 */
  readonly ttl?: number;
}

/** The DKIM TXT value for a public key (RFC 6376 §3.6.1). */
export const dkimTxtValue = (publicKeyBase64: string): string => `v=DKIM1; k=rsa; p=${publicKeyBase64}`;

const reverseName = (ipv4: string) => `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;

/**
 * Every record for the domains and hosts, in a stable order: A and PTR of each MX host, then per
 * domain MX, SPF, DMARC, DKIM, TLS-RPT, client-configuration SRV (RFC 6186/8314) and CAA.
 */
export const mailDnsRecords = (spec: MailDnsSpec): MailDnsRecord[] => {
  const ttl = spec.ttl ?? 3600;
  const imapHost = spec.exchangers[0].hostname;
  const txt = (name: string, text: string): MailDnsRecord => ({ type: 'TXT', name, ttl, values: [splitTxtValue(text)] });
  const hostRecords = spec.exchangers.flatMap((mx): MailDnsRecord[] => [
    { type: 'A', name: mx.hostname, ttl, values: [mx.ipv4] },
    { type: 'PTR', name: reverseName(mx.ipv4), ttl, values: [mx.hostname] },
  ]);
  const rua = spec.reportAddress ? `; rua=mailto:${spec.reportAddress}` : '';
  const domainRecords = spec.domains.flatMap((domain): MailDnsRecord[] => {
    const publicKey = spec.dkim?.publicKeys[domain];
    return [
      { type: 'MX', name: domain, ttl, values: spec.exchangers.map((mx) => ({ priority: mx.priority, host: mx.hostname })) },
      // Only our MX hosts send for the domain; everything else fails SPF.
      txt(domain, 'v=spf1 mx -all'),
      txt(`_dmarc.${domain}`, `v=DMARC1; p=${spec.dmarcPolicy ?? 'quarantine'}; adkim=s; aspf=s${rua}`),
      ...(publicKey && spec.dkim ? [txt(`${spec.dkim.selector}._domainkey.${domain}`, dkimTxtValue(publicKey))] : []),
      ...(spec.reportAddress ? [txt(`_smtp._tls.${domain}`, `v=TLSRPTv1; rua=mailto:${spec.reportAddress}`)] : []),
      { type: 'SRV', name: `_submissions._tcp.${domain}`, ttl, values: [{ priority: 0, weight: 1, port: 465, target: imapHost }] },
      { type: 'SRV', name: `_submission._tcp.${domain}`, ttl, values: [{ priority: 1, weight: 1, port: 587, target: imapHost }] },
      { type: 'SRV', name: `_imaps._tcp.${domain}`, ttl, values: [{ priority: 0, weight: 1, port: 993, target: imapHost }] },
      { type: 'CAA', name: domain, ttl, values: (spec.certificateAuthorities ?? ['letsencrypt.org', 'amazon.com']).map((value) => ({ flags: 0, tag: 'issue', value })) },
    ];
  });
  return [...hostRecords, ...domainRecords];
};
