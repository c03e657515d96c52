import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone';
import { Construct } from 'constructs';

/** Properties of {@link PrivateHostName}. */
export interface PrivateHostNameProps {
  /** The host's public name, e.g. `mx1.example.com`. */
  readonly hostname: string;
  /** Its private IPv4 address. */
  readonly address: string;
  /** The VPC whose resolver answers the private address. */
  readonly vpcId: string;
  /** Time to live of the record, in seconds. */
  readonly ttl: number;
}

/**
 * A host's public name answered with its private address inside one VPC: a private hosted zone
 * of exactly that name (so no other name of its public zone is shadowed), associated with the VPC,
 * holding one A record. Clients in the VPC then connect inside it under the same name the host's
 * certificate carries, and security-group rules by group apply to them.
 */
export class PrivateHostName extends Construct {
  /** The private zone. */
  readonly zone: Route53Zone;
  /** Its A record. */
  readonly record: Route53Record;

  constructor(scope: Construct, id: string, props: PrivateHostNameProps) {
    super(scope, id);
    this.zone = new Route53Zone(this, 'Zone', { name: props.hostname, comment: `${props.hostname} inside the VPC: its private address`, vpc: [{ vpcId: props.vpcId }] });
    this.record = new Route53Record(this, 'Address', { zoneId: this.zone.zoneId, name: props.hostname, type: 'A', records: [props.address], ttl: props.ttl });
  }
}
