import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { MirovoyConfig } from '../configs/schema';
import { subnetPlanOf } from '../configs/subnets';
import { Bastion } from '../modules/network/bastion';
import { Network } from '../modules/network/network';
import { SecurityGroups } from '../modules/network/security-groups';
import { ZoneEgress } from '../modules/network/zone-egress';
import { MirovoyStack } from './mirovoy-stack';

/** The VPC, its egress, the bastion and the security groups. Its outputs are the public contract. */
export class NetworkStack extends MirovoyStack {
  /** The VPC and subnets. */
  readonly network: Network;
  /** The named security groups. */
  readonly securityGroups: SecurityGroups;

  constructor(scope: Construct, config: MirovoyConfig) {
    super(scope, 'network', config);
    const { environment, network: net } = config;
    const availabilityZones = net.availabilityZones.map((letter) => `${config.region}${letter}`);
    this.network = new Network(this, 'Network', {
      environment,
      cidr: net.cidr,
      availabilityZones,
      subnets: subnetPlanOf(config),
      flowLogRetentionDays: net.flowLogRetentionDays,
      kmsKeyArn: config.kmsKeyArn,
    });
    this.securityGroups = new SecurityGroups(this, 'SecurityGroups', {
      environment,
      vpcId: this.network.vpc.id,
      vpcCidr: net.cidr,
      bastionSshIngressCidrs: net.bastion.sshIngressCidrs,
      mailSshIngressCidrs: config.mail.sshIngressCidrs,
      imapStartTls: config.mail.imapStartTls,
    });
    new ZoneEgress(this, 'Egress', {
      environment,
      mode: net.egress,
      publicSubnets: this.network.publicSubnets,
      applicationRouteTables: this.network.applicationRouteTables,
      vpcCidr: net.cidr,
      natSecurityGroupId: this.securityGroups.nat.id,
      natInstanceType: net.natInstance.instanceType,
      kmsKeyArn: config.kmsKeyArn,
      admin: config.admin,
    });
    new Bastion(this, 'Bastion', {
      environment,
      subnetIds: this.network.publicSubnets.map((s) => s.id),
      securityGroupId: this.securityGroups.bastion.id,
      instanceType: net.bastion.instanceType,
      desiredCapacity: net.bastion.desiredCapacity,
      kmsKeyArn: config.kmsKeyArn,
      admin: config.admin,
    });

    const output = (id: string, value: string | string[], description: string) => new TerraformOutput(this, id, { value, description });
    output('vpc_id', this.network.vpc.id, 'Id of the VPC');
    output('vpc_cidr', this.network.vpc.cidrBlock, 'IPv4 block of the VPC');
    output('public_subnet_ids', this.network.publicSubnets.map((s) => s.id), 'Public subnets, in zone order');
    output('application_subnet_ids', this.network.applicationSubnets.map((s) => s.id), 'Application subnets, in zone order');
    output('data_subnet_ids', this.network.dataSubnets.map((s) => s.id), 'Data subnets, in zone order');
    const groups = this.securityGroups;
    for (const [key, group] of Object.entries({ bastion: groups.bastion, nat: groups.nat, load_balancer: groups.loadBalancer, webmail: groups.webmail, phpmyadmin: groups.phpMyAdmin, mail: groups.mail, database: groups.database })) {
      output(`${key}_security_group_id`, group.id, `Security group: ${key.replace('_', ' ')}`);
    }
  }
}
