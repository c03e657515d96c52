/** Small IPv4 CIDR arithmetic for carving and checking subnets. */

/** A parsed IPv4 block: its first address as an unsigned 32-bit number and its prefix length. */
export interface Ipv4Block {
  readonly base: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`; the address is masked down to the block's first address. */
export const parseCidr = (cidr: string): Ipv4Block => {
  const [address, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return { base: value - (value % blockSize(prefix)), prefix };
};

/** Formats a block as `a.b.c.d/n`. */
export const formatCidr = ({ base, prefix }: Ipv4Block): string =>
  `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')}/${prefix}`;

const blockSize = (prefix: number): number => 2 ** (32 - prefix);

/** True when `inner` lies completely inside `outer`. */
export const contains = (outer: Ipv4Block, inner: Ipv4Block): boolean =>
  inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + blockSize(inner.prefix) <= outer.base + blockSize(outer.prefix);

/** True when the two blocks share at least one address. */
export const overlaps = (a: Ipv4Block, b: Ipv4Block): boolean =>
  a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);

/** The `index`-th sub-block of length `prefix` inside `parent` (like Terraform's `cidrsubnet`). */
export const carve = (parent: Ipv4Block, prefix: number, index: number): Ipv4Block => {
  if (prefix < parent.prefix || index >= 2 ** (prefix - parent.prefix)) {
    throw new RangeError(`cannot carve block ${index} of /${prefix} from ${formatCidr(parent)}`);
  }
  return { base: parent.base + index * blockSize(prefix), prefix };
};
