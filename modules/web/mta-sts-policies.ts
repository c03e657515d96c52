import { createHash } from 'node:crypto';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { MtaStsPublication } from '../../host/dns/mail-records';
import { ResolvedZone } from '../dns/hosted-zones';
import { loadBalancerAlias } from './load-balancer-alias';

/** The most an ALB fixed response carries: 1024 bytes of body. */
export const FIXED_RESPONSE_BODY_LIMIT = 1024;

/**
 * The listener-rule priorities MTA-STS rules take, a range of their own: rules for the web hosts
 * take lower numbers (an ALB allows 1–50000), so the two never meet.
 */
export const MTA_STS_PRIORITY_RANGE = { first: 1000, last: 50000 } as const;

/**
 * The rule priority of each policy host: from a hash of its name, so adding or removing a domain
 * leaves the other domains' rules as they are (a priority from the list position would renumber
 * them, and two rules cannot hold one priority even for the moment of an update). When two names
 * hash to one number, the later in name order takes the next free one.
 */
export const mtaStsRulePriorities = (hosts: readonly string[]): ReadonlyMap<string, number> => {
  const size = MTA_STS_PRIORITY_RANGE.last - MTA_STS_PRIORITY_RANGE.first + 1;
  const taken = new Set<number>();
  const priorities = new Map<string, number>();
  for (const host of [...new Set(hosts)].sort()) {
    let slot = createHash('sha256').update(host).digest().readUInt32BE(0) % size;
    while (taken.has(slot)) slot = (slot + 1) % size;
    taken.add(slot);
    priorities.set(host, MTA_STS_PRIORITY_RANGE.first + slot);
  }
  return priorities;
};

/** Properties of {@link MtaStsPolicies}. */
export interface MtaStsPoliciesProps {
  /** The policy of each domain: where it is served and its text (`mtaStsPublications`). */
  readonly policies: readonly Pick<MtaStsPublication, 'policyHost' | 'policyPath' | 'policy'>[];
  /** The HTTPS listener that serves them. */
  readonly listenerArn: string;
  /** The load balancer the policy hosts' names point at. */
  readonly loadBalancer: { readonly dnsName: string; readonly zoneId: string };
  /** The zones the policy hosts' records go to: each to the most specific zone enclosing it. */
  readonly zones: readonly ResolvedZone[];
  /** Replace record sets of the same name and type that already exist (Route53's `allow_overwrite`). @default false */
  readonly allowOverwrite?: boolean;
}

/**
 * Serves each domain's MTA-STS policy file (RFC 8461 §3.2) from the load balancer itself: a
 * listener rule per policy host answering `GET <path>` with the policy as a fixed response
 * (`text/plain`, 200), and an alias A record of the host to the load balancer. Any other path on
 * the host gets the listener's 404. {@link served} is what a record announcing the policies
 * (`_mta-sts`) waits for.
 */
export class MtaStsPolicies extends Construct {
  /** The listener rule of each policy host. */
  readonly rules: ReadonlyMap<string, LbListenerRule>;
  /** The alias record of each policy host. */
  readonly aliases: ReadonlyMap<string, Route53Record>;

  constructor(scope: Construct, id: string, props: MtaStsPoliciesProps) {
    super(scope, id);
    const priorities = mtaStsRulePriorities(props.policies.map((p) => p.policyHost));
    const rules = new Map<string, LbListenerRule>();
    const aliases = new Map<string, Route53Record>();
    for (const { policyHost, policyPath, policy } of props.policies) {
      if (rules.has(policyHost)) throw new Error(`MtaStsPolicies ${this.node.path}: ${policyHost} is listed twice; give each policy host once`);
      const bytes = Buffer.byteLength(policy, 'utf8');
      if (bytes > FIXED_RESPONSE_BODY_LIMIT) {
        throw new Error(
          `MtaStsPolicies ${this.node.path}: the MTA-STS policy of ${policyHost} is ${bytes} bytes; a load balancer's fixed response holds at most ${FIXED_RESPONSE_BODY_LIMIT} (fewer or shorter MX host names make it fit)`,
        );
      }
      const label = policyHost.replace(/\./g, '-');
      rules.set(
        policyHost,
        new LbListenerRule(this, `Rule-${label}`, {
          listenerArn: props.listenerArn,
          priority: priorities.get(policyHost)!,
          condition: [{ hostHeader: { values: [policyHost] } }, { pathPattern: { values: [policyPath] } }],
          action: [{ type: 'fixed-response', fixedResponse: { statusCode: '200', contentType: 'text/plain', messageBody: policy } }],
        }),
      );
      aliases.set(policyHost, loadBalancerAlias(this, policyHost, { target: props.loadBalancer, zones: props.zones, allowOverwrite: props.allowOverwrite }));
    }
    this.rules = rules;
    this.aliases = aliases;
  }

  /** Everything that must exist before the policies count as served: the rules and the names. */
  get served(): ITerraformDependable[] {
    return [...this.rules.values(), ...this.aliases.values()];
  }
}
