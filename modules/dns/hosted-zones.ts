import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone';
import { Construct } from 'constructs';

/** A Route53 zone as the config names it: its id, or only its name. */
export interface ZoneReference {
  /** The zone's domain name. */
  readonly name: string;
  /** The zone's id. @default looked up by name (a public zone of this account) */
  readonly zoneId?: string;
}

/** A zone whose id is known (literally or as a Terraform reference). */
export interface ResolvedZone {
  readonly name: string;
  readonly zoneId: string;
}

/** The config's zones with their ids: given ids as they are, the others looked up by name. */
export class HostedZones extends Construct {
  /** The zones, in the order given. */
  readonly zones: readonly ResolvedZone[];

  constructor(scope: Construct, id: string, props: { readonly zones: readonly ZoneReference[] }) {
    super(scope, id);
    this.zones = props.zones.map((zone) => ({
      name: zone.name,
      zoneId: zone.zoneId ?? new DataAwsRoute53Zone(this, zone.name.replace(/\./g, '-'), { name: zone.name, privateZone: false }).zoneId,
    }));
  }
}
