import { readdirSync } from 'node:fs';
import { AddressPool } from './addresses';
import { run, type RunOptions, type RunResult } from './command';
import { nodeName } from './names';
import { timed } from './progress';

/** Where `ip netns add` keeps its namespaces: nspawn joins one by this path. */
export const NETNS_DIR = '/run/netns';

/** One machine on the rehearsal LAN (a booted host or a bare client namespace). */
export interface LanNode {
  /** Short name given by the caller, e.g. "mx". */
  readonly name: string;
  /** Network namespace name, e.g. "mvr-1a2b3c-mx"; its interface is eth0. */
  readonly netns: string;
  readonly ip: string;
}

/** Options for {@link RehearsalLan.create}. */
export interface RehearsalLanProps {
  readonly runId: string;
  /** Addresses of the LAN; nodes' `ip`s must be claimed from it already. */
  readonly addresses: AddressPool;
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly ip: string }>;
}

/**
 * An isolated Ethernet segment: a bridge inside its own "switch" namespace and one namespace per
 * node, wired to the bridge by a veth pair. Every namespace has `lo` up and no default route, so
 * traffic can reach the other nodes and nothing else. All interfaces are created inside the
 * namespaces (none in the host's), so concurrent runs cannot clash and deleting the namespaces
 * removes everything.
 */
export class RehearsalLan {
  private constructor(
    /** The namespace holding the bridge. */
    readonly switchNetns: string,
    private readonly nodes: ReadonlyMap<string, LanNode>,
  ) {}

  /** Creates the switch and every node's namespace. On failure, removes what it had created. */
  static async create(props: RehearsalLanProps): Promise<RehearsalLan> {
    const switchNetns = nodeName(props.runId, 'switch');
    const nodes = new Map(props.nodes.map((node) => [node.name, { ...node, netns: nodeName(props.runId, node.name) }]));
    const lan = new RehearsalLan(switchNetns, nodes);
    try {
      await timed(`create LAN ${props.addresses.cidr} with ${nodes.size} nodes`, async () => {
        await addNetns(switchNetns);
        await ip(['-n', switchNetns, 'link', 'add', 'br0', 'type', 'bridge']);
        await ip(['-n', switchNetns, 'link', 'set', 'br0', 'up']);
        let port = 0;
        for (const node of nodes.values()) {
          const portName = `port${port++}`;
          await addNetns(node.netns);
          await ip(['-n', switchNetns, 'link', 'add', portName, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
          await ip(['-n', switchNetns, 'link', 'set', portName, 'master', 'br0', 'up']);
          await ip(['-n', node.netns, 'addr', 'add', `${node.ip}/${props.addresses.prefixLength}`, 'dev', 'eth0']);
          await ip(['-n', node.netns, 'link', 'set', 'eth0', 'up']);
        }
      });
    } catch (error) {
      await lan.destroy();
      throw error;
    }
    return lan;
  }

  /** A node by its short name; throws for an unknown one. */
  node(name: string): LanNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node "${name}" on this LAN; known: ${[...this.nodes.keys()].join(', ')}`);
    return node;
  }

  /** Every namespace of this LAN, the switch's included. */
  get namespaces(): string[] {
    return [this.switchNetns, ...[...this.nodes.values()].map((node) => node.netns)];
  }

  /**
   * Runs a host-side program as if it ran on node `name` (its network only; the file system is the
   * host's), e.g. swaks, `openssl s_client` or python3 imaplib acting as a client machine.
   */
  exec(name: string, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return run(inNetns(this.node(name).netns, argv), options);
  }

  /** Deletes every namespace of this LAN (and with them the bridge and veth pairs). */
  async destroy(): Promise<void> {
    const existing = new Set(listNetns());
    for (const netns of this.namespaces) if (existing.has(netns)) await deleteNetns(netns);
  }
}

/** The argv that runs `argv` inside network namespace `netns`. */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', netns, ...argv];
}

/** Names of all network namespaces created with `ip netns add`. */
export function listNetns(): string[] {
  try {
    return readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
}

/** Deletes a network namespace; its interfaces go with it once no process is left inside. */
export async function deleteNetns(netns: string): Promise<void> {
  await ip(['netns', 'delete', netns]);
}

async function addNetns(netns: string): Promise<void> {
  await ip(['netns', 'add', netns]);
  await ip(['-n', netns, 'link', 'set', 'lo', 'up']);
}

function ip(args: readonly string[]): Promise<RunResult> {
  return run(['ip', ...args]);
}
