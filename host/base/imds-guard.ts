/**
 * The metadata guard of every EC2 host (mail hosts, NAT instances, the bastion): only root may
 * reach the instance metadata service. IMDS hands the instance role's credentials to any process
 * that asks, and IMDSv2's hop limit of 1 only keeps containers out; without this guard a daemon's
 * user (Amavis unpacking an untrusted archive, say) could take the role and read every secret it
 * may read. Root keeps access: the bootstrap, the provision step and the SSM agent run as root.
 *
 * An nftables table of our own in the output hook, loaded by a oneshot unit before the network
 * comes up (as Debian's nftables.service is), so no daemon ever starts without it. It leaves
 * every other table alone (fail2ban's, the NAT's masquerade), and is loaded again whenever
 * nftables.service restarts, whose rule set begins with `flush ruleset`.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
 */
import { generatedHeader, RenderedFile } from '../files';
import { systemdUnitFile } from '../format/systemd-unit';

/** The addresses of the instance metadata service: IPv4, and IPv6 on Nitro instances. */
export const IMDS_ADDRESSES = { ipv4: '169.254.169.254', ipv6: 'fd00:ec2::254' } as const;

/** The unit that loads the guard (enabled at first boot by the host's user data). */
export const IMDS_GUARD_UNIT = 'mirovoy-imds-guard.service';

/** The guard's rule set on the host. */
export const IMDS_GUARD_RULES_PATH = '/etc/mirovoy/imds-guard.nft';

/** The nftables table holding the guard. */
export const IMDS_GUARD_TABLE = 'inet mirovoy_imds';

/** Packages the guard needs. */
export const IMDS_GUARD_PACKAGES: readonly string[] = ['nftables'];

const SOURCE = 'host/base/imds-guard.ts';

/**
 * The rule set. `meta skuid` is the user owning the sending socket; a packet of no socket (the
 * kernel's own replies) has none and passes. A reject, not a drop: a client that is refused fails
 * at once instead of waiting for a timeout (an SDK probing for credentials, for one).
 * Declaring, deleting and declaring the table again is one transaction: a reload replaces it
 * whole, and the first load finds nothing to delete (nft(8), "delete table").
 */
export const renderImdsGuardRules = (): string =>
  `#!/usr/sbin/nft -f
${generatedHeader('#', SOURCE)}
table ${IMDS_GUARD_TABLE}
delete table ${IMDS_GUARD_TABLE}
table ${IMDS_GUARD_TABLE} {
  chain output {
    type filter hook output priority filter; policy accept;
    ip daddr ${IMDS_ADDRESSES.ipv4} meta skuid != 0 counter reject
    ip6 daddr ${IMDS_ADDRESSES.ipv6} meta skuid != 0 counter reject
  }
}
`;

/** The guard's files: its rule set and the unit that loads it. */
export const renderImdsGuardFiles = (): RenderedFile[] => [
  { path: IMDS_GUARD_RULES_PATH, content: renderImdsGuardRules(), mode: '0644', owner: 'root', group: 'root' },
  systemdUnitFile(IMDS_GUARD_UNIT, SOURCE, {
    Unit: {
      Description: 'Only root may reach the instance metadata service',
      // Early, as nftables.service: before any network and any daemon (they start after sysinit.target).
      DefaultDependencies: 'no',
      Wants: 'network-pre.target',
      Before: ['network-pre.target', 'sysinit.target'],
      // nftables.service flushes the whole rule set when it starts: load after it, and again when it restarts.
      After: 'nftables.service',
      PartOf: 'nftables.service',
    },
    // No ExecStop: stopping the unit leaves the guard in place.
    Service: { Type: 'oneshot', RemainAfterExit: 'yes', ExecStart: `/usr/sbin/nft -f ${IMDS_GUARD_RULES_PATH}`, ExecReload: `/usr/sbin/nft -f ${IMDS_GUARD_RULES_PATH}` },
    Install: { WantedBy: 'sysinit.target' },
  }),
];
