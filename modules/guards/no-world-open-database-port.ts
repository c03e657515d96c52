import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Annotations, IAspect } from 'cdktf';
import { IConstruct } from 'constructs';
import { MYSQL_PORT } from '../network/security-groups';

const WORLD = ['0.0.0.0/0', '::/0'];

const coversPort = (rule: VpcSecurityGroupIngressRule, port: number): boolean =>
  rule.ipProtocolInput === '-1' || ((rule.fromPortInput ?? 0) <= port && port <= (rule.toPortInput ?? 65535));

/** No ingress rule may open MySQL's port (or all ports) to the whole internet. */
export class NoWorldOpenDatabasePort implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof VpcSecurityGroupIngressRule)) return;
    const source = node.cidrIpv4Input ?? node.cidrIpv6Input;
    if (source && WORLD.includes(source) && coversPort(node, MYSQL_PORT)) {
      Annotations.of(node).addError(`NoWorldOpenDatabasePort: this rule opens port ${MYSQL_PORT} to ${source}; allow the mail and web security groups instead.`);
    }
  }
}
