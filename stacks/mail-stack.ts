import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider';
import { Lazy, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { dkimSigningSelector } from '../configs/rules';
import { MirovoyConfig } from '../configs/schema';
import { managedZones, zoneOf } from '../configs/zones';
import { mailDnsRecords } from '../host/dns/mail-records';
import { MailHostRole, TEST_DATA_USERS } from '../host';
import { declareAcmeProviders } from '../modules/acme';
import { AcmeAccount } from '../modules/certificates/acme-account';
import { MailCertificate } from '../modules/certificates/mail-certificate';
import { HostedZones } from '../modules/dns/hosted-zones';
import { recordKey, Route53MailRecords } from '../modules/dns/route53-mail-records';
import { DkimKey } from '../modules/mail/dkim-key';
import { SamplePasswords } from '../modules/mail/sample-passwords';
import { MailHost } from '../modules/mail/mail-host';
import { mailDnsPolicyOf, MX_PRIORITY } from '../adapters/mail-dns';
import { DatabaseUserSecretArns, MAIL_HOST_SHORT_NAMES, mailHostRuntime } from '../adapters/mail-host-runtime';
import { SesRelay } from '../modules/mail/ses-relay';
import { VolumeBackupPlan } from '../modules/backup/volume-backup-plan';
import { AlertTopic } from '../modules/monitoring/alert-topic';
import { DatabaseAlarms } from '../modules/monitoring/database-alarms';
import { MailHostAlarms } from '../modules/monitoring/mail-host-alarms';
import { warnBeforeExpiry } from '../modules/monitoring/expiry-check';
import { awsName } from '../modules/naming';
import { ArtifactsBucket } from '../modules/storage/artifacts-bucket';
import { BackupBucket } from '../modules/storage/backup-bucket';
import { databaseDumpPrefix } from '../host/backup';
import { MirovoyStack } from './mirovoy-stack';

/** What the mail stack takes from the network stack. */
export interface MailStackNetwork {
  /** Public subnet ids, in zone order. */
  readonly publicSubnetIds: readonly string[];
  /** The mail hosts' security group. */
  readonly mailSecurityGroupId: string;
}

/** What the mail stack takes from the database stack. */
export interface MailStackDatabase {
  /** Host name of the MySQL endpoint. */
  readonly address: string;
  /** The RDS instance identifier (its CloudWatch metrics' dimension). */
  readonly instanceIdentifier: string;
  /** ARN of the RDS-managed master credentials. */
  readonly masterSecretArn: string;
  /** ARNs of the application users' credentials. */
  readonly userSecretArns: DatabaseUserSecretArns;
}

/** Days before a certificate's expiry from which `terraform plan` warns (and the alarm fires). */
const CERTIFICATE_WARNING_DAYS = 14;

/**
 * The mail hosts and everything they need on AWS: instances with durable volumes and Elastic
 * IPs (reverse DNS included), their certificates from Let's Encrypt, DKIM keys, the optional SES
 * relay, the DNS records of every mail domain (but `_mta-sts`: see the web stack), the volumes' backup plan, and the alarms (the
 * hosts' and the database's) with their topic. Its outputs are the public contract.
 */
export class MailStack extends MirovoyStack {
  constructor(scope: Construct, config: MirovoyConfig, network: MailStackNetwork, database: MailStackDatabase) {
    super(scope, 'mail', config);
    new TlsProvider(this, 'Tls');
    const { mail, environment } = config;
    const secretPrefix = `mail-${environment}`;
    // How every secret of this stack is kept.
    const secretStorage = { kmsKeyArn: config.kmsKeyArn, recoveryWindowDays: config.secrets.recoveryWindowDays };
    const zones = new HostedZones(this, 'Zones', { zones: managedZones(config) }).zones;
    const hostZone = zones[0];

    const dkimKeys = Object.fromEntries(
      config.mailDomains.map((domain) => [domain, new DkimKey(this, `Dkim-${domain.replace(/\./g, '-')}`, {
          secretName: `${secretPrefix}/dkim/${domain}`,
          domain,
          selector: mail.dkimSelector,
          secondSelector: mail.dkimSecondSelector,
          signingSelector: dkimSigningSelector(config),
          ...secretStorage,
        })]),
    );
    // The passwords of the sample mailboxes (testData), which only the primary reads.
    const samplePasswords = config.testData
      ? (new RandomProvider(this, 'Random'), new SamplePasswords(this, 'TestData', { secretName: `${secretPrefix}/test-data`, users: TEST_DATA_USERS, ...secretStorage }))
      : undefined;
    const roles: MailHostRole[] = mail.backupMx.enabled ? ['primary', 'backup'] : ['primary'];
    const relay =
      mail.outbound === 'ses'
        ? new SesRelay(this, 'SesRelay', {
            name: awsName(environment, 'mail'),
            region: config.region,
            domains: config.mailDomains.map((domain) => ({ domain, zone: zoneOf(domain, zones)! })),
            ttl: config.dns.ttl,
            secretName: `${secretPrefix}/relay/ses`,
            // The hosts' Elastic IPs, made below: the hosts need the relay's secret first. Terraform
            // has no cycle (the policy refers to the addresses, the instances to the secret), only
            // this construction order has, so each address is filled in once its host exists.
            sendingSourceIps: roles.map((_, i) => Lazy.stringValue({ produce: () => hosts[i].host.address.publicIp })),
            allowOverwrite: config.dns.takeOverExistingRecords,
            ...secretStorage,
          })
        : undefined;

    // The hosts' configuration bundles. The name is a prefix plus a suffix Terraform makes unique
    // (bucket names are global across every AWS account); hosts and consumers get it by reference.
    const artifacts = new ArtifactsBucket(this, 'ArtifactsBucket', { bucketPrefix: `${awsName(environment, 'artifacts')}-`, kmsKeyArn: config.kmsKeyArn });

    // The primary's nightly database dumps; a name made unique like the artifacts bucket's.
    const dumps = config.backups.databaseDumps;
    const backups = new BackupBucket(this, 'DumpBucket', {
      bucketPrefix: `${awsName(environment, 'backups')}-`,
      kmsKeyArn: config.kmsKeyArn,
      retention: [{ prefix: databaseDumpPrefix(config.database.mailDatabaseName), archiveAfterDays: dumps.archiveAfterDays, expireAfterDays: dumps.expireAfterDays }],
    });

    const account = new AcmeAccount(this, 'AcmeAccount', { providers: declareAcmeProviders(this), server: config.certificates.acme.server, email: config.certificates.acme.accountEmail });
    const zoneLetters = config.network.availabilityZones;

    const hosts = roles.map((role) => {
      const hostname = (role === 'primary' ? mail.primary.hostname : mail.backupMx.hostname)!;
      const zoneIndex = role === 'primary' ? 0 : zoneLetters.indexOf(mail.backupMx.availabilityZone ?? zoneLetters[1]);
      const name = awsName(environment, MAIL_HOST_SHORT_NAMES[role]);
      const certificate = new MailCertificate(this, `${role === 'primary' ? 'Primary' : 'Backup'}Certificate`, {
        account,
        names: role === 'primary' ? [hostname, ...mail.clientHostnames] : [hostname],
        keyType: config.certificates.acme.keyType,
        minDaysRemaining: config.certificates.acme.minDaysRemaining,
        region: config.region,
        hostedZoneId: hostZone.zoneId,
        secretName: `${secretPrefix}/tls/${hostname}`,
        ...secretStorage,
      });
      const runtime = mailHostRuntime({
        config,
        role,
        database,
        tlsSecretArn: certificate.secret.arn,
        dkimSecretArns: Object.fromEntries(Object.entries(dkimKeys).map(([domain, key]) => [domain, key.secret.arn])),
        relaySecretArn: relay?.secret.arn ?? mail.relayCredentialsSecretArn,
        testDataSecretArn: samplePasswords?.secret.arn,
        backupBucket: backups.reference,
      });
      const host = new MailHost(this, role === 'primary' ? 'Primary' : 'Backup', {
        name,
        hostname,
        instanceType: role === 'primary' ? mail.primary.instanceType : mail.backupMx.instanceType,
        subnetId: network.publicSubnetIds[zoneIndex],
        availabilityZone: `${config.region}${zoneLetters[zoneIndex]}`,
        securityGroupIds: [network.mailSecurityGroupId],
        region: config.region,
        userData: runtime.userData,
        bundle: { ...runtime.bundle, bucket: artifacts.reference },
        settings: runtime.settings,
        policyStatements: runtime.policyStatements,
        volumes: runtime.volumes,
        volumeRetention: mail.storage.onDestroy,
        kmsKeyArn: config.kmsKeyArn,
      });
      return { role, hostname, host, certificate, secretArns: runtime.secretArns };
    });

    if (config.backups.enabled) {
      const { copyToRegion, volumes } = config.backups;
      new VolumeBackupPlan(this, 'VolumeBackups', {
        name: awsName(environment, 'volumes'),
        selectionTagValue: environment,
        dailyRetentionDays: volumes.dailyRetentionDays,
        weeklyRetentionWeeks: volumes.weeklyRetentionWeeks,
        kmsKeyArn: config.kmsKeyArn,
        // The config's key is in the config's region: the copy vault uses that region's AWS Backup key.
        copyTo: copyToRegion ? { provider: this.providerInRegion('backup-copy', copyToRegion) } : undefined,
      });
    }

    const alerts = new AlertTopic(this, 'Alerts', { name: awsName(environment, 'alerts'), emailAddresses: config.alerts.email, kmsKeyArn: config.kmsKeyArn });
    for (const { role, hostname, host } of hosts) {
      new MailHostAlarms(this, `${role === 'primary' ? 'Primary' : 'Backup'}Alarms`, {
        name: awsName(environment, MAIL_HOST_SHORT_NAMES[role]),
        hostname,
        instanceId: host.instance.id,
        region: config.region,
        topicArn: alerts.topic.arn,
        deferredQueueThreshold: config.alerts.deferredQueueThreshold,
        certificateDaysLeft: CERTIFICATE_WARNING_DAYS,
        // The primary dumps the database every night (backups.databaseDumps), whether or not the
        // volumes are snapshotted (backups.enabled).
        watchBackupAge: role === 'primary',
      });
    }
    // `terraform plan` itself warns of an expiring certificate (a check block per host).
    for (const { role, certificate } of hosts) warnBeforeExpiry(this, `${role}_certificate_fresh`, certificate.certificate.certificateNotAfter, CERTIFICATE_WARNING_DAYS);
    new DatabaseAlarms(this, 'DatabaseAlarms', { name: awsName(environment, 'db'), instanceIdentifier: database.instanceIdentifier, topicArn: alerts.topic.arn });

    const records = new Route53MailRecords(this, 'Records', {
      zones,
      allowOverwrite: config.dns.takeOverExistingRecords,
      records: mailDnsRecords({
        ...mailDnsPolicyOf(config),
        // The `_mta-sts` records go with the policy they announce: the web stack publishes both.
        mtaStsMode: undefined,
        exchangers: hosts.map(({ role, hostname, host }) => ({ hostname, ipv4: host.address.publicIp, priority: MX_PRIORITY[role] })),
        // Every published key: the first, and the second during a rotation.
        otherDkim: [mail.dkimSelector, ...(mail.dkimSecondSelector ? [mail.dkimSecondSelector] : [])].map((selector) => ({
          selector,
          publicKeys: Object.fromEntries(Object.entries(dkimKeys).map(([domain, key]) => [domain, key.publicKeysBase64[selector]])),
        })),
      }),
    });
    hosts.forEach(({ hostname, host }) => host.addReverseDns(records.records.get(recordKey('A', hostname))!));

    const output = (id: string, value: string | string[] | Record<string, string>, description: string) => new TerraformOutput(this, id, { value, description });
    for (const { role, hostname, host, certificate } of hosts) {
      output(`${role}_hostname`, hostname, `Host name of the ${role} MX`);
      output(`${role}_public_ip`, host.address.publicIp, `Elastic IP of the ${role} MX`);
      output(`${role}_instance_id`, host.instance.id, `EC2 instance of the ${role} MX`);
      output(`${role}_tls_secret_arn`, certificate.secret.arn, `ARN (not the value) of the ${role} MX's certificate secret`);
      output(`${role}_certificate_not_after`, certificate.certificate.certificateNotAfter, `Expiry of the ${role} MX's certificate (RFC 3339)`);
      output(`${role}_bundle_key`, host.bundleObject.key, `Object key of the ${role} MX's configuration bundle in the artifacts bucket`);
    }
    output('dkim_secret_arns', Object.fromEntries(Object.entries(dkimKeys).map(([domain, key]) => [domain, key.secret.arn])), 'ARNs (not the values) of the DKIM key secrets, by domain');
    if (relay) output('ses_relay_secret_arn', relay.secret.arn, 'ARN (not the value) of the SES SMTP credentials secret');
    output('artifacts_bucket_name', artifacts.bucket.bucket, "Bucket of the mail hosts' configuration bundles");
    output('backup_bucket_name', backups.bucket.bucket, "Bucket of the primary's nightly database dumps (database/<name>/<UTC>.sql.gz)");
    output('mail_security_group_id', network.mailSecurityGroupId, 'Security group of the mail hosts');
    output('alerts_topic_arn', alerts.topic.arn, 'SNS topic every alarm publishes to (subscribe more endpoints to it)');
    output('dns_record_names', [...records.records.keys()], 'Published record sets as "<type> <name>"');
  }
}
