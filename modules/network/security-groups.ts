import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { IMAP_STARTTLS_PORT, IMAPS_PORT, MANAGESIEVE_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT } from '../../host/client-ports';
import { awsName } from '../naming';

/** Properties of {@link SecurityGroups}. */
export interface SecurityGroupsProps {
  /** Environment name, part of every AWS name. */
  readonly environment: string;
  /** The VPC the groups belong to. */
  readonly vpcId: string;
  /** The VPC's block: NAT instances forward traffic from it. */
  readonly vpcCidr: string;
  /** Who may SSH to the bastion; empty means nobody. */
  readonly bastionSshIngressCidrs: readonly string[];
  /** Who may SSH to the mail hosts directly (the bastion always may). @default nobody */
  readonly mailSshIngressCidrs?: readonly string[];
  /** Also open IMAP 143 (STARTTLS) on the mail hosts. @default false */
  readonly imapStartTls?: boolean;
}

/** One ingress rule: a port from a CIDR block or from another group. */
type Source = { readonly cidr: string } | { readonly group: SecurityGroup };

const ANYWHERE: Source = { cidr: '0.0.0.0/0' };

/** Mail ports open to the world: SMTP, submissions (implicit TLS), submission, IMAPS. */
export const PUBLIC_MAIL_PORTS = [25, SUBMISSIONS_PORT, SUBMISSION_PORT, IMAPS_PORT] as const;
/** MySQL's port, open on the database group to the mail and web groups only. */
export const MYSQL_PORT = 3306;

/**
 * The security groups as named building blocks. Rules are separate resources so a plan shows
 * each opened port on its own line and other workspaces can add rules to these groups.
 */
export class SecurityGroups extends Construct {
  /** SSH jump host: port 22 from the configured CIDRs only. */
  readonly bastion: SecurityGroup;
  /** NAT instances: everything from inside the VPC. */
  readonly nat: SecurityGroup;
  /** Public load balancer: 80 and 443 from anywhere. */
  readonly loadBalancer: SecurityGroup;
  /** Webmail hosts: 443 from the load balancer, 22 from the bastion. */
  readonly webmail: SecurityGroup;
  /** phpMyAdmin hosts: 443 from the load balancer, 22 from the bastion. */
  readonly phpMyAdmin: SecurityGroup;
  /** Mail hosts (primary and backup MX): mail ports from anywhere, ManageSieve from the webmail hosts, 22 from the bastion and the configured CIDRs. */
  readonly mail: SecurityGroup;
  /** The database: MySQL from the mail, webmail and phpMyAdmin groups only. */
  readonly database: SecurityGroup;

  private readonly environment: string;
  private readonly vpcId: string;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    this.environment = props.environment;
    this.vpcId = props.vpcId;

    this.bastion = this.group('Bastion', 'bastion', 'SSH jump host');
    this.nat = this.group('Nat', 'nat', 'NAT instances for the application tier');
    this.loadBalancer = this.group('LoadBalancer', 'alb', 'Public load balancer for webmail and phpMyAdmin');
    this.webmail = this.group('Webmail', 'webmail', 'Roundcube webmail hosts');
    this.phpMyAdmin = this.group('PhpMyAdmin', 'phpmyadmin', 'phpMyAdmin hosts');
    this.mail = this.group('Mail', 'mail', 'Primary and backup MX');
    this.database = this.group('Database', 'database', 'RDS MySQL');

    props.bastionSshIngressCidrs.forEach((cidr, i) => this.allow(this.bastion, `Ssh${i + 1}`, 22, { cidr }));
    this.allowAllFrom(this.nat, 'Vpc', { cidr: props.vpcCidr });
    this.allow(this.loadBalancer, 'Http', 80, ANYWHERE);
    this.allow(this.loadBalancer, 'Https', 443, ANYWHERE);
    for (const web of [this.webmail, this.phpMyAdmin]) {
      this.allow(web, 'HttpsFromLoadBalancer', 443, { group: this.loadBalancer });
      this.allow(web, 'SshFromBastion', 22, { group: this.bastion });
    }
    const mailPorts = props.imapStartTls ? [...PUBLIC_MAIL_PORTS, IMAP_STARTTLS_PORT] : PUBLIC_MAIL_PORTS;
    mailPorts.forEach((port) => this.allow(this.mail, `Port${port}`, port, ANYWHERE));
    this.allow(this.mail, 'SshFromBastion', 22, { group: this.bastion });
    // Roundcube's managesieve plugin manages users' filters; nobody else reaches ManageSieve.
    this.allow(this.mail, 'ManageSieveFromWebmail', MANAGESIEVE_PORT, { group: this.webmail });
    (props.mailSshIngressCidrs ?? []).forEach((cidr, i) => this.allow(this.mail, `Ssh${i + 1}`, 22, { cidr }));
    [this.mail, this.webmail, this.phpMyAdmin].forEach((client) => this.allow(this.database, `MysqlFrom${client.node.id}`, MYSQL_PORT, { group: client }));

    // The database needs no egress; everything else may reach out (through NAT in the app tier).
    [this.bastion, this.nat, this.loadBalancer, this.webmail, this.phpMyAdmin, this.mail].forEach(
      (group) => new VpcSecurityGroupEgressRule(this, `${group.node.id}EgressAll`, { securityGroupId: group.id, ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }),
    );
  }

  private group(id: string, role: string, description: string): SecurityGroup {
    return new SecurityGroup(this, id, {
      name: awsName(this.environment, role),
      description: `Mirovoy Mail ${this.environment}: ${description}`,
      vpcId: this.vpcId,
      tags: { Name: awsName(this.environment, role) },
      lifecycle: { createBeforeDestroy: true },
    });
  }

  private allow(group: SecurityGroup, ruleId: string, port: number, source: Source): void {
    new VpcSecurityGroupIngressRule(this, `${group.node.id}Ingress${ruleId}`, {
      securityGroupId: group.id,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      ...('cidr' in source ? { cidrIpv4: source.cidr } : { referencedSecurityGroupId: source.group.id }),
    });
  }

  private allowAllFrom(group: SecurityGroup, ruleId: string, source: { cidr: string }): void {
    new VpcSecurityGroupIngressRule(this, `${group.node.id}Ingress${ruleId}`, { securityGroupId: group.id, ipProtocol: '-1', cidrIpv4: source.cidr });
  }
}
