/** The subnet plan: which address block each tier gets in each availability zone. */
import { carve, formatCidr, parseCidr } from './cidr';

/** Subnet blocks per tier, one entry per availability zone in zone order. */
export interface SubnetPlan {
  readonly public: readonly string[];
  readonly application: readonly string[];
  readonly data: readonly string[];
}

/** The smallest and largest VPC blocks we can carve the default plan from. */
export const VPC_PREFIX_RANGE = { min: 16, max: 23 } as const;

/**
 * Carves the default plan from the VPC block: the application tier (web hosts; grows most) gets
 * an eighth of the VPC per zone from the bottom, the public and data tiers a thirty-second per
 * zone from the top quarter. For 10.0.0.0/16 that is 10.0.0.0/19, 10.0.32.0/19 …,
 * 10.0.192.0/21, 10.0.200.0/21 … and 10.0.224.0/21, 10.0.232.0/21 ….
 */
export const defaultSubnetPlan = (vpcCidr: string, zoneCount: number): SubnetPlan => {
  const vpc = parseCidr(vpcCidr);
  const zones = [...Array(zoneCount).keys()];
  const tier = (prefixDelta: number, firstIndex: number) =>
    zones.map((zone) => formatCidr(carve(vpc, vpc.prefix + prefixDelta, firstIndex + zone)));
  return { application: tier(3, 0), public: tier(5, 24), data: tier(5, 28) };
};

/** The subnet plan of a config: its explicit `network.subnets`, else the default plan of its VPC and zones. */
export const subnetPlanOf = (config: { readonly network: { readonly cidr: string; readonly availabilityZones: readonly string[]; readonly subnets?: SubnetPlan } }): SubnetPlan =>
  config.network.subnets ?? defaultSubnetPlan(config.network.cidr, config.network.availabilityZones.length);
