/** The private range the rehearsal LAN uses unless told otherwise (no route leaves it). */
export const DEFAULT_SUBNET = '10.203.0.0/24';

/** An IPv4 subnet in CIDR notation, parsed. */
export interface Ipv4Subnet {
  readonly network: number;
  readonly prefixLength: number;
}

/** Parses "a.b.c.d" into a 32-bit unsigned number; throws on anything else. */
export function parseIpv4(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
    throw new Error(`"${address}" is not an IPv4 address; expected four numbers 0-255 like 10.203.0.10`);
  }
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** Formats a 32-bit unsigned number as "a.b.c.d". */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses "10.203.0.0/24"; the prefix must leave room for hosts (8–30) and the address must be the network's. */
export function parseSubnet(cidr: string): Ipv4Subnet {
  const [address, prefix, ...rest] = cidr.split('/');
  const prefixLength = Number(prefix);
  if (rest.length > 0 || !/^\d+$/.test(prefix ?? '') || prefixLength < 8 || prefixLength > 30) {
    throw new Error(`"${cidr}" is not a usable subnet; expected CIDR with a prefix of 8-30, like ${DEFAULT_SUBNET}`);
  }
  const network = parseIpv4(address);
  if (network % 2 ** (32 - prefixLength) !== 0) {
    throw new Error(`"${cidr}" has host bits set; did you mean ${formatIpv4(network - (network % 2 ** (32 - prefixLength)))}/${prefixLength}?`);
  }
  return { network, prefixLength };
}

/**
 * Hands out the addresses of one rehearsal LAN: fixed ones the caller asks for (a host's `ip`)
 * and free ones for helpers (the DNS server, clients). Never the network or broadcast address,
 * never the same address twice.
 */
export class AddressPool {
  private readonly subnet: Ipv4Subnet;
  private readonly taken = new Set<number>();

  constructor(readonly cidr: string = DEFAULT_SUBNET) {
    this.subnet = parseSubnet(cidr);
  }

  /** The prefix length, for `ip addr add <ip>/<prefix>`. */
  get prefixLength(): number {
    return this.subnet.prefixLength;
  }

  /** Claims a specific address; throws when it is outside the subnet, reserved or already claimed. */
  claim(address: string): string {
    const value = parseIpv4(address);
    const { network, prefixLength } = this.subnet;
    const broadcast = network + 2 ** (32 - prefixLength) - 1;
    if (value <= network || value >= broadcast) {
      throw new Error(`address ${address} is not a host address of ${this.cidr}; pick one between ${formatIpv4(network + 1)} and ${formatIpv4(broadcast - 1)}`);
    }
    if (this.taken.has(value)) throw new Error(`address ${address} is used twice in ${this.cidr}; give each host its own`);
    this.taken.add(value);
    return formatIpv4(value);
  }

  /** Claims the highest free host address (callers' fixed addresses usually sit at the low end). */
  claimFree(): string {
    const { network, prefixLength } = this.subnet;
    for (let value = network + 2 ** (32 - prefixLength) - 2; value > network; value--) {
      if (!this.taken.has(value)) return this.claim(formatIpv4(value));
    }
    throw new Error(`no free address left in ${this.cidr}`);
  }
}

/** The reverse-DNS name of an IPv4 address: 10.203.0.5 → 5.0.203.10.in-addr.arpa */
export function reverseDnsName(address: string): string {
  parseIpv4(address);
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
}
