import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { Fn, IResolvable, ITerraformDependable, Token, Tokenization } from 'cdktf';
import { Construct } from 'constructs';
import { zoneOf } from '../../configs/zones';
import { MailDnsRecord } from '../../host/dns/mail-records';
import { ResolvedZone } from './hosted-zones';

/** Properties of {@link Route53MailRecords}. */
export interface Route53MailRecordsProps {
  /** The record set (from `mailDnsRecords`); PTR records are left to `aws_eip_domain_name`. */
  readonly records: readonly MailDnsRecord[];
  /** The zones to publish into: each record goes to the most specific zone enclosing its name. */
  readonly zones: readonly ResolvedZone[];
  /**
   * Replace record sets of the same name and type that already exist in the zone (Route53's
   * `allow_overwrite`: an UPSERT, not a CREATE) instead of failing the apply on them.
   * @default false
   */
  readonly allowOverwrite?: boolean;
  /**
   * What must exist before the records are published, e.g. the MTA-STS policy an `_mta-sts`
   * record announces (a sender that finds the record fetches the policy at once).
   * @default nothing
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** Route53's most a TXT string holds; longer values are split into several strings. */
const TXT_STRING_BYTES = 255;

/**
 * A text with Terraform references in it as a `join` of its literal and reference parts, so
 * Terraform functions can take it (cdktf cannot pass a text with embedded references to them).
 */
const concatenation = (text: string): string => {
  const parts: (string | IResolvable)[] = Tokenization.reverseString(text).join({ join: (left, right) => [left, right].flat() });
  return Fn.join('', [parts].flat().map((part) => (typeof part === 'string' ? part : Token.asString(part))));
};

/**
 * One TXT value in Route53's notation for several strings: the provider quotes the value, and
 * `""` inside it separates strings. A value only known at apply time (a DKIM key made in
 * Terraform) is split there, by `regexall`.
 */
const txtRecordValue = (strings: readonly string[]): string => {
  const text = strings.join('');
  return Token.isUnresolved(text) ? Fn.join(Fn.rawString('""'), Fn.regexall(`.{1,${TXT_STRING_BYTES}}`, concatenation(text))) : strings.join('""');
};

/** The record's values as Route53 writes them. */
const route53Values = (record: MailDnsRecord): string[] => {
  switch (record.type) {
    case 'A':
    case 'CNAME':
    case 'PTR':
      return [...record.values];
    case 'MX':
      return record.values.map((v) => `${v.priority} ${v.host}`);
    case 'TXT':
      return record.values.map(txtRecordValue);
    case 'SRV':
      return record.values.map((v) => `${v.priority} ${v.weight} ${v.port} ${v.target}`);
    case 'CAA':
      return record.values.map((v) => `${v.flags} ${v.tag} "${v.value}"`);
  }
};

/** The key of a record set: `<type> <name>`. */
export const recordKey = (type: MailDnsRecord['type'], name: string): string => `${type} ${name}`;

/** Publishes the mail record set in Route53, one `aws_route53_record` per record set. */
export class Route53MailRecords extends Construct {
  /** The published record sets by {@link recordKey}. */
  readonly records: ReadonlyMap<string, Route53Record>;

  constructor(scope: Construct, id: string, props: Route53MailRecordsProps) {
    super(scope, id);
    const records = new Map<string, Route53Record>();
    for (const record of props.records.filter((r) => r.type !== 'PTR')) {
      const zone = zoneOf(record.name, props.zones);
      if (!zone) throw new Error(`${this.node.path}: no zone encloses ${record.name} (zones: ${props.zones.map((z) => z.name).join(', ')})`);
      const key = recordKey(record.type, record.name);
      records.set(
        key,
        new Route53Record(this, key.replace(/[^A-Za-z0-9]+/g, '-'), {
          zoneId: zone.zoneId,
          name: record.name,
          type: record.type,
          ttl: record.ttl,
          records: route53Values(record),
          allowOverwrite: props.allowOverwrite || undefined,
          dependsOn: props.dependsOn?.length ? [...props.dependsOn] : undefined,
        }),
      );
    }
    this.records = records;
  }
}
