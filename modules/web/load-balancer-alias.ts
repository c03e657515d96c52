import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { Construct } from 'constructs';
import { zoneOf } from '../../configs/zones';
import { ResolvedZone } from '../dns/hosted-zones';

/** A load balancer as the target of alias records. */
export interface AliasTarget {
  readonly dnsName: string;
  readonly zoneId: string;
}

/**
 * An alias A record of `name` to the load balancer, in the most specific zone enclosing the name
 * (IPv4 only: the VPC has no IPv6). Made as `Alias-<name with dashes>` in `scope`.
 */
export const loadBalancerAlias = (scope: Construct, name: string, props: { readonly target: AliasTarget; readonly zones: readonly ResolvedZone[]; readonly allowOverwrite?: boolean }): Route53Record => {
  const zone = zoneOf(name, props.zones);
  if (!zone) throw new Error(`${scope.node.path}: no zone encloses ${name} (zones: ${props.zones.map((z) => z.name).join(', ')}); its alias record has nowhere to go`);
  return new Route53Record(scope, `Alias-${name.replace(/\./g, '-')}`, {
    zoneId: zone.zoneId,
    name,
    type: 'A',
    alias: { name: props.target.dnsName, zoneId: props.target.zoneId, evaluateTargetHealth: false },
    allowOverwrite: props.allowOverwrite || undefined,
  });
};
