/** Which Route53 zone of a config holds a name. */
import { MirovoyConfig } from './schema';

/** A Route53 hosted zone of the config. */
export type HostedZoneConfig = MirovoyConfig['hostedZone'];

/** Every zone the config manages records in: `hostedZone` first, then `dns.additionalZones`. */
export const managedZones = (config: Pick<MirovoyConfig, 'hostedZone' | 'dns'>): readonly HostedZoneConfig[] => [config.hostedZone, ...config.dns.additionalZones];

/** True when `name` is the zone's apex or a name below it. */
export const isInZone = (name: string, zone: string): boolean => name === zone || name.endsWith(`.${zone}`);

/** The most specific managed zone that encloses `name`, or undefined. */
export const zoneOf = <Zone extends { readonly name: string }>(name: string, zones: readonly Zone[]): Zone | undefined =>
  zones.filter((zone) => isInZone(name, zone.name)).sort((a, b) => b.name.length - a.name.length)[0];
