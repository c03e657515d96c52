/**
 * The typed, validated shape of a Mirovoy Mail configuration.
 *
 * One config describes one environment (one AWS account/region deployment). Field names are
 * named for what they mean to a mail administrator; every optional field has a default that is
 * secure and cheap. Cross-field rules live in `rules.ts`, messages in `problems.ts`.
 *
 * Fields that fill a mail host's spec are checked by the spec's own rules (`host/spec.ts`, run on
 * the config by `validateMirovoyConfig` in `load.ts` and reported at these paths): here they have
 * only their type and default, so the config and the hosts cannot disagree on what is valid.
 */
import { z } from 'zod';

const FQDN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(\d|[12]\d|3[0-2])$/;

/** A lower-case fully qualified domain name, e.g. `mx1.example.com`. */
export const fqdn = z.string().regex(FQDN, { error: 'must be a lower-case fully qualified domain name such as mx1.example.com' });
/**
 * A domain an SPF record names (`include:<domain>`): like an FQDN, but labels may hold `_`, as
 * relays' SPF domains often do (`_spf.google.com`).
 */
const spfDomain = z
  .string()
  .regex(/^(?=.{4,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z]{2,63}$/, { error: 'must be a lower-case domain name such as spf.relay.example.net (without "include:")' });
/** An IPv4 block in CIDR notation, e.g. `10.0.0.0/16`. */
export const ipv4Cidr = z.string().regex(IPV4_CIDR, { error: 'must be an IPv4 CIDR block such as 10.0.0.0/16' });
const email = z.email({ error: 'must be an e-mail address such as postmaster@example.com' });
const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|\d*xlarge|metal)$/, { error: 'must be an EC2 instance type such as t3.small or t4g.micro' });
const dbInstanceClass = z
  .string()
  .regex(/^db\.[a-z0-9-]+\.(micro|small|medium|large|\d*xlarge)$/, { error: 'must be an RDS instance class such as db.t4g.micro' });
const kmsKeyArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/, { error: 'must be a KMS key ARN such as arn:aws:kms:eu-central-1:123456789012:key/1234abcd-…' });
const acmCertificateArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, { error: 'must be an ACM certificate ARN such as arn:aws:acm:eu-central-1:123456789012:certificate/…' });
const sshPublicKey = z
  .string()
  .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/, {
    error: 'must be one OpenSSH public key line such as "ssh-ed25519 AAAAC3… you@laptop"',
  });
const ebsSnapshotId = z.string().regex(/^snap-[0-9a-f]{8,17}$/, { error: 'must be an EBS snapshot id such as snap-0123456789abcdef0' });
const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'must be an AWS region such as eu-central-1' });
/** A time of day, `HH:MM` in UTC. */
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time of day HH:MM (00:00-23:59, UTC), e.g. "04:00"' });
const zoneLetter = z.string().regex(/^[a-z]$/, { error: 'must be an availability-zone letter such as "a" (the zone is <region><letter>)' });

/** What happens to a durable volume when Terraform destroys it. */
export const volumeRetention = z.enum(['snapshot', 'retain', 'delete']);

const hostSize = <T extends string>(defaultType: T) => z.object({ instanceType: instanceType.default(defaultType) }).strict();

const networkSchema = z
  .object({
    /** The VPC's address block. Subnets are carved from it unless listed explicitly. */
    cidr: ipv4Cidr.default('10.0.0.0/16'),
    /** Zone letters of the availability zones to use (2 or 3); the first holds the primary MX. */
    availabilityZones: z.array(zoneLetter).min(2, { error: 'needs at least 2 zones (RDS needs subnets in 2 zones)' }).max(3, { error: 'allows at most 3 zones' }).default(['a', 'b']),
    /** Explicit subnet blocks per tier, one per zone, in zone order. @default carved from `cidr` */
    subnets: z
      .object({ public: z.array(ipv4Cidr), application: z.array(ipv4Cidr), data: z.array(ipv4Cidr) })
      .strict()
      .optional(),
    /**
     * How the application tier reaches the internet: a small NAT instance per zone (cheap, the
     * reference's choice), a managed NAT gateway per zone (no upkeep, ~10× the price), or none.
     */
    egress: z.enum(['nat-instance', 'nat-gateway', 'none']).default('nat-instance'),
    natInstance: hostSize('t4g.nano').default({ instanceType: 't4g.nano' }),
    bastion: z
      .object({
        instanceType: instanceType.default('t4g.nano'),
        /** 0 keeps the bastion off; scale to 1 while you need a shell. */
        desiredCapacity: z.literal([0, 1]).default(0),
        /** Who may SSH to the bastion. Empty means nobody (use SSM Session Manager instead). */
        sshIngressCidrs: z.array(ipv4Cidr).default([]),
      })
      .strict()
      .default({ instanceType: 't4g.nano', desiredCapacity: 0, sshIngressCidrs: [] }),
    /** VPC flow logs to CloudWatch Logs, kept this many days (0 turns them off). */
    flowLogRetentionDays: z.number().int().min(0).max(3653).default(30),
  })
  .strict();

const mailSchema = z
  .object({
    primary: z
      .object({
        hostname: fqdn,
        instanceType: instanceType.default('t3.small'),
        /**
         * Start the spool and log volumes from these EBS snapshots (migration from another mail
         * host, e.g. the reference's `MasterSpoolSnapshot`/`MasterLogSnapshot`). @default blank volumes
         */
        restoreFromSnapshots: z.object({ spool: ebsSnapshotId.optional(), log: ebsSnapshotId.optional() }).strict().optional(),
      })
      .strict(),
    backupMx: z
      .object({
        enabled: z.boolean().default(false),
        hostname: fqdn.optional(),
        instanceType: instanceType.default('t3.micro'),
        /** Zone letter for the backup MX. @default the second of `network.availabilityZones` */
        availabilityZone: zoneLetter.optional(),
      })
      .strict()
      .default({ enabled: false, instanceType: 't3.micro' }),
    /** UID of the virtual mailbox owner `vmail` (its GID is always 5000): 1000-59999. Range: host spec `vmailUid`. */
    virtualMailUid: z.number().int().default(5000),
    storage: z
      .object({
        spoolGiB: z.number().int().min(1).max(16384).default(10),
        logGiB: z.number().int().min(1).max(16384).default(2),
        /**
         * Size of the swap volume (an encrypted EBS volume of its own, like the reference's), so a
         * burst of memory (a ClamAV signature reload, a big message through SpamAssassin) pages out
         * instead of waking the OOM killer; 0: no swap. Not backed up, deleted with the host.
         */
        swapGiB: z.number().int().min(0).max(64).default(2),
        /** What `terraform destroy` does to the spool and log volumes. */
        onDestroy: volumeRetention.default('snapshot'),
      })
      .strict()
      .default({ spoolGiB: 10, logGiB: 2, swapGiB: 2, onDestroy: 'snapshot' }),
    /**
     * The names mail clients use for IMAP and submission besides the primary's hostname, e.g.
     * `imap.example.com`: CNAMEs of the primary, inside the hosted zone, in its certificate.
     */
    clientHostnames: z.array(fqdn).default([]),
    /** Who may SSH to the mail hosts directly (the bastion always may). Empty: nobody (use SSM Session Manager). */
    sshIngressCidrs: z.array(ipv4Cidr).default([]),
    /**
     * How outgoing mail leaves: `direct` from the hosts' Elastic IPs (ask AWS to lift the port 25
     * limit of new accounts and set reverse DNS — see the README), or `ses` through Amazon SES
     * (domain identities, DKIM and MAIL FROM records and SMTP credentials made here).
     */
    outbound: z.enum(['direct', 'ses']).default('direct'),
    /**
     * Send outgoing mail through this smarthost (`[host]:port`) instead of directly. Not with
     * `outbound: "ses"`. With `relayCredentialsSecretArn`, a bracketed name and a port. Syntax: host spec `relay.host`.
     */
    relayHost: z.string().optional(),
    /**
     * A Secrets Manager secret `{"username","password"}` to log in to `relayHost` with (over a
     * verified TLS connection only). @default no login
     */
    relayCredentialsSecretArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, { error: 'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-central-1:123456789012:secret:smarthost-AbCdEf' })
      .optional(),
    /**
     * Where mail to root@ and postmaster@ the hosts' names goes, and local system mail (cron,
     * unattended-upgrades: root@<first mail domain>) unless a database alias of that address says
     * otherwise. Letters, digits and `._+-` before the @. @default `postmaster@<first mail domain>`
     */
    rootMailRecipient: email.optional(),
    /** SMTP code for unknown local recipients: 550 rejects, 450 asks the sender to retry. */
    unknownLocalRecipientRejectCode: z.literal([450, 550]).default(550),
    /**
     * Largest message accepted, in whole MiB, 1-200. Checked here: the host spec's minimum (1048576
     * bytes) is the same bound in its unit, and the cap is the config's own.
     */
    messageSizeLimitMiB: z.number().int().min(1).max(200).default(50),
    /**
     * Storage quota of each mailbox, in whole MiB, where its `users.quota` is `''` or `0` (a whole
     * number there is that mailbox's quota in MiB, `unlimited` none; set it with
     * `mirovoy-admin user quota`). Mail that does not fit is refused at RCPT time. At most the spool
     * volume (`storage.spoolGiB`); range: host spec `defaultQuotaMiB`.
     */
    defaultQuotaMiB: z.number().int().default(1024),
    /** Offer IMAP on 143 with STARTTLS in addition to IMAPS on 993. */
    imapStartTls: z.boolean().default(false),
    /** `user+tag@domain` is delivered to `user@domain`. */
    plusAddressing: z.boolean().default(true),
    /**
     * What happens to inbound spam: `tag` delivers it with X-Spam headers into the Junk folder,
     * `quarantine` keeps it on the server, `discard` drops it.
     */
    spamPolicy: z.enum(['tag', 'quarantine', 'discard']).default('tag'),
    /** Greylisting of unknown senders on port 25 (Postgrey). */
    greylisting: z
      // delaySeconds 0-3600: host spec `postgrey.delaySeconds`.
      .object({ enabled: z.boolean().default(true), delaySeconds: z.number().int().default(300) })
      .strict()
      .default({ enabled: true, delaySeconds: 300 }),
    /** What an SPF hard fail of the sender does: `reject` it, or only `annotate` (Received-SPF header). */
    spfHardFail: z.enum(['reject', 'annotate']).default('reject'),
    /**
     * DKIM selector of each domain's first key (`<selector>._domainkey.<domain>`): a DNS label. Syntax:
     * host spec `dkim.selector`. That key signs unless `dkimSigningSelector` names the second one.
     */
    dkimSelector: z.string().default('mail'),
    /**
     * Selector of a second key per domain, published beside the first: for a key rotation without a
     * window (README, "DKIM key rotation"). @default none
     */
    dkimSecondSelector: z.string().optional(),
    /** Which key signs: `dkimSelector`'s or `dkimSecondSelector`'s. @default dkimSelector */
    dkimSigningSelector: z.string().optional(),
    /**
     * Ban clients that fail logins or probe for relays (fail2ban with nftables). Durations such as
     * `1h`, `maxRetry` ≥ 1: host spec `fail2ban.bantime`, `findtime`, `maxretry`.
     */
    fail2ban: z
      .object({
        enabled: z.boolean().default(true),
        banTime: z.string().default('1h'),
        findTime: z.string().default('10m'),
        maxRetry: z.number().int().default(5),
      })
      .strict()
      .default({ enabled: true, banTime: '1h', findTime: '10m', maxRetry: 5 }),
    /**
     * Per-client limits on every smtpd (25, 587, 465), per minute: whole numbers, 0 for off; our own
     * hosts are exempt. Host spec `smtpClientLimits` (README, "Brute force and floods").
     * @default connectionCount 10, connectionRate 60, messageRate 100, authRate 30
     */
    smtpClientLimits: z
      .object({
        connectionCount: z.number().optional(),
        connectionRate: z.number().optional(),
        messageRate: z.number().optional(),
        authRate: z.number().optional(),
      })
      .strict()
      .default({}),
    /**
     * Reboot a mail host when an installed security update needs it (a new kernel or libc), at a
     * time of day (`HH:MM`, UTC): the primary and the backup MX at different times, so one of them
     * always takes mail. Off: updates that need a reboot wait until you reboot.
     */
    automaticReboot: z
      .object({
        enabled: z.boolean().default(true),
        primaryTime: timeOfDay.default('04:00'),
        backupMxTime: timeOfDay.default('05:00'),
      })
      .strict()
      .default({ enabled: true, primaryTime: '04:00', backupMxTime: '05:00' }),
    /**
     * ClamAV loads new signatures beside the old ones (no pause in scanning, twice the memory).
     * @default on when the primary's instance type has at least 4 GiB (two signature databases
     * take ~2.4 GiB besides everything else)
     */
    clamavConcurrentDatabaseReload: z.boolean().optional(),
  })
  .strict();

/** The fields both web applications have. */
const webHostFields = (defaultType: string) => ({
  enabled: z.boolean().default(false),
  /** Its name on the load balancer (host rule, certificate, alias record). @default `<app>.<hostedZone.name>` (`webmail.…`, `phpmyadmin.…`) */
  hostname: fqdn.optional(),
  instanceType: instanceType.default(defaultType),
});

const webmailSchema = z.object(webHostFields('t4g.small')).strict().default({ enabled: false, instanceType: 't4g.small' });

const phpMyAdminSchema = z
  .object({
    ...webHostFields('t4g.micro'),
    /**
     * Who reaches phpMyAdmin through the load balancer: the listener rule matches only requests
     * from these IPv4 blocks. Empty: nobody (no rule; the name answers 404).
     */
    allowedCidrs: z.array(ipv4Cidr).default([]),
    /** Hosts the auto-scaling group keeps running: 0 (off, as the reference) until an administrator needs it. */
    desiredCapacity: z.number().int().min(0).max(2).default(0),
  })
  .strict()
  .default({ enabled: false, instanceType: 't4g.micro', allowedCidrs: [], desiredCapacity: 0 });

/** The load balancer's access logs: to an S3 bucket of their own (SSE-S3: the only encryption ELB log delivery supports). */
const webAccessLogsSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Days a log object is kept before S3 deletes it. */
    expireAfterDays: z.number().int().min(1).max(3650).default(90),
  })
  .strict();

const certificatesSchema = z
  .object({
    /** Let's Encrypt certificates for the mail hosts, issued in Terraform with Route53 DNS-01. */
    acme: z
      .object({
        /** Let's Encrypt's staging CA (untrusted certificates, generous limits) or production. */
        server: z.enum(['staging', 'production']).default('staging'),
        /** Contact address of the ACME account (optional: Let's Encrypt no longer sends expiry mail). */
        accountEmail: email.optional(),
        /** Key of the mail hosts' certificates: RSA (`2048`, `4096`) or ECDSA (`P256`, `P384`). RSA 2048 suits every mail client. */
        keyType: z.enum(['2048', '4096', 'P256', 'P384']).default('2048'),
        /** Renew when the certificate has fewer days left than this, on any `terraform apply`. */
        minDaysRemaining: z.number().int().min(1).max(60).default(30),
      })
      .strict(),
    /**
     * The certificate the load balancer serves: for the MTA-STS policy hosts (`mta-sts.<domain>`),
     * and for webmail and phpMyAdmin once their hosts exist. Required when any of them is on.
     */
    web: z
      .discriminatedUnion('source', [
        z.object({ source: z.literal('acm-dns') }).strict(),
        z.object({ source: z.literal('existing-arn'), arn: acmCertificateArn }).strict(),
      ])
      .optional(),
  })
  .strict();

/** A Route53 hosted zone, by name and optionally id. */
const hostedZoneSchema = z
  .object({
    name: fqdn,
    /** The zone's id; without it Terraform looks the zone up by name. */
    zoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, { error: 'must be a Route53 hosted-zone id such as Z0123456789ABCDEFGHIJ' }).optional(),
  })
  .strict();

const dnsSchema = z
  .object({
    /** More Route53 zones for mail domains outside `hostedZone` (each domain goes to the zone that encloses it). */
    additionalZones: z.array(hostedZoneSchema).default([]),
    /** DMARC policy published for every mail domain. */
    dmarcPolicy: z.enum(['none', 'quarantine', 'reject']).default('quarantine'),
    /** Mailbox for aggregate DMARC and TLS-RPT reports. @default no reports requested */
    reportAddress: email.optional(),
    /** MTA-STS mode announced for every mail domain (the policy file is served by the web tier). */
    mtaStsMode: z.enum(['none', 'testing', 'enforce']).default('testing'),
    /**
     * Domains added to every mail domain's SPF record as `include:<domain>` after `mx`
     * (`v=spf1 mx include:… -all`): the SPF domain your `mail.relayHost` documents. Required with
     * `mail.relayHost`; `[]` says the relay needs none (it sends with an envelope sender of its own
     * domain). Not needed for SES, whose envelope sender `bounce.<domain>` has its own SPF record.
     * At most 9: SPF allows 10 DNS lookups (RFC 7208 §4.6.4). @default none
     */
    spfInclude: z.array(spfDomain).max(9, { error: 'allows at most 9 domains: SPF allows 10 DNS lookups (RFC 7208 §4.6.4) and mx takes one' }).optional(),
    /**
     * Replace record sets of the same name and type that already exist in the zones (Route53
     * `allow_overwrite`), e.g. the apex MX, SPF and CAA or `_dmarc` of a domain moved here, instead
     * of failing the first apply on them. Off: check for them first (README, "Deploy").
     */
    takeOverExistingRecords: z.boolean().default(false),
    /** Time to live of the records, in seconds. */
    ttl: z.number().int().min(60).max(86400).default(3600),
  })
  .strict();

const databaseSchema = z
  .object({
    /** MySQL major version. 8.4 is the current long-term-support release. */
    engineVersion: z.enum(['8.4']).default('8.4'),
    instanceClass: dbInstanceClass.default('db.t4g.micro'),
    allocatedStorageGiB: z.number().int().min(20).max(65536).default(20),
    /** Storage autoscaling ceiling; must be ≥ allocatedStorageGiB. */
    maxAllocatedStorageGiB: z.number().int().min(20).max(65536).default(100),
    backupRetentionDays: z.number().int().min(1).max(35).default(30),
    multiAz: z.boolean().default(false),
    /** Refuse `terraform destroy` of the database. Turn off only for throw-away environments. */
    deletionProtection: z.boolean().default(true),
    /** Create the instance from this snapshot (identifier or ARN) — blue/green migration. */
    restoreFromSnapshot: z.string().min(1).optional(),
    /** Name of the mail database (domains, users, aliases): a letter, then up to 31 letters, digits or _. Syntax: host spec `database.name`. */
    mailDatabaseName: z.string().default('maildb'),
    /**
     * Keep a final snapshot when Terraform deletes the instance (named `<db>-final-<random>`, new
     * with every instance). Independent of `deletionProtection`: turning that off to destroy keeps
     * the snapshot. Off only for throw-away environments.
     */
    finalSnapshot: z.boolean().default(true),
  })
  .strict();

/**
 * The nightly logical dump of the mail database (on the primary) into a private, versioned,
 * encrypted S3 bucket of its own, where old dumps move to an archive class and then expire.
 */
const databaseDumpsSchema = z
  .object({
    /** When the dump runs: a systemd calendar expression (systemd.time(7)), e.g. `*-*-* 02:30:00 UTC`. Checked: host spec `databaseDumps.onCalendar`. */
    schedule: z.string().default('*-*-* 02:30:00 UTC'),
    /** Up to how long after `schedule` it starts, at random (systemd `RandomizedDelaySec`: a number and s, min or h). */
    randomizedDelay: z.string().default('30min'),
    /**
     * Days after which a dump moves to S3 Glacier Instant Retrieval (cheaper storage, still read by
     * `mirovoy-restore` at once; billed for at least 90 days).
     */
    archiveAfterDays: z.number().int().min(1).max(3650).default(30),
    /** Days after which a dump is deleted (its old versions a day later); more than `archiveAfterDays`. */
    expireAfterDays: z.number().int().min(2).max(36500).default(365),
  })
  .strict();

const backupsSchema = z
  .object({
    /** Scheduled AWS Backup snapshots of the mail hosts' spool and log volumes. Off: no vault, plan or role. */
    enabled: z.boolean().default(true),
    /** How long the volumes' recovery points are kept. */
    volumes: z
      .object({
        /** Days a daily recovery point (taken at 03:00 UTC) is kept: 1–35. */
        dailyRetentionDays: z.number().int().min(1).max(35).default(7),
        /** Weeks a weekly recovery point (Sundays, 04:00 UTC) is kept: 1–520; 0 takes none. */
        weeklyRetentionWeeks: z.number().int().min(0).max(520).default(5),
      })
      .strict()
      .default({ dailyRetentionDays: 7, weeklyRetentionWeeks: 5 }),
    /**
     * Copy every recovery point into a vault in this second region (kept as long as the
     * original), so a region-wide loss keeps the mail. Must differ from `region`. @default no copy
     */
    copyToRegion: region.optional(),
    /** The primary's nightly dump of the mail database (always made: `enabled` is about the volume snapshots). */
    databaseDumps: databaseDumpsSchema.default(databaseDumpsSchema.parse({})),
  })
  .strict();

const alertsSchema = z
  .object({
    /**
     * Who gets the alarms (SNS e-mail subscriptions; each address must confirm once by the link
     * AWS sends). Empty: the alarms and their topic exist, nobody is told.
     */
    email: z.array(email).default([]),
    /** Deferred messages in a host's queue that, for 30 minutes on end, raise an alarm: 1–100000. */
    deferredQueueThreshold: z.number().int().min(1).max(100000).default(50),
  })
  .strict();

const adminSchema = z
  .object({
    username: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'must be a Linux user name: lower-case letters, digits, _ or -, starting with a letter or _' }),
    shell: z.enum(['/bin/bash', '/bin/sh', '/usr/bin/zsh', '/usr/bin/ksh', '/usr/bin/fish']).default('/bin/bash'),
    sshPublicKeys: z.array(sshPublicKey).min(1, { error: 'needs at least one SSH public key' }),
    groups: z.array(z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'must be a Linux group name' })).default(['adm', 'sudo', 'systemd-journal']),
  })
  .strict();

const stateSchema = z
  .object({
    bucket: z.string().regex(/^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name: 3–63 lower-case letters, digits, dots or hyphens' }),
    /** Region of the state bucket. @default the config's region */
    region: z.string().optional(),
    /** Prefix of the state object keys. */
    keyPrefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]*$/, { error: 'must be an S3 key prefix' }).default('mirovoy-mail'),
    /**
     * Days an overwritten or deleted state file's old version is kept (to roll back a damaged
     * state) before S3 expires it: 1–3650.
     */
    noncurrentVersionExpirationDays: z.number().int().min(1).max(3650).default(90),
  })
  .strict();

const ciSchema = z
  .object({
    /** The GitHub repository whose workflow (.github/workflows/terraform.yml) plans and applies, `owner/name`. */
    githubRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { error: 'must be a GitHub repository, "owner/name"' }),
    /** The branch whose runs (the weekly renewal) may assume the apply role. */
    applyBranch: z.string().regex(/^[A-Za-z0-9._\/-]+$/, { error: 'must be a branch name' }).default('main'),
    /**
     * The account's existing IAM OIDC provider for token.actions.githubusercontent.com (an
     * account has at most one). @default the ci stack creates it
     */
    oidcProviderArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, { error: 'must be the ARN of the IAM OIDC provider for token.actions.githubusercontent.com' }).optional(),
  })
  .strict();

/**
 * An S3 object as `s3://<bucket>/<key>`: a bucket name, and a key of path segments of letters,
 * digits, `.`, `_` and `-` (what the hosts' seam accepts, `host/provision/runtime-seam.ts`).
 */
const s3ObjectUri = z
  .string()
  .regex(/^s3:\/\/(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
    error: 'must be an S3 object URI such as s3://my-bucket/mail/maildb.sql (key segments of letters, digits, . _ and -)',
  })
  .refine((uri) => !uri.includes('..') && !uri.split('/').slice(3).includes('.'), { error: 'must not have ".." in it, nor a "." segment in its key' });

/** Moving an existing Flurdy/Mirovoy server here (README, "Migrating"). */
const migrationSchema = z
  .object({
    /**
     * A `mysqldump` of the old server's mail database (the reference's `MailDBBackup`), imported
     * into the mail database once, when the primary is first provisioned (a row of the table
     * `data_imports` records it; later runs and replaced primaries do not import again). Made with
     * `mysqldump --add-drop-table <db>` (no `--databases`), in a bucket of `region`. @default no import
     */
    databaseDumpS3Uri: s3ObjectUri.optional(),
    /**
     * The KMS key the dump object is encrypted with, when its bucket uses SSE-KMS (the primary gets
     * `kms:Decrypt` on it, through S3 only). @default none (SSE-S3 or unencrypted)
     */
    databaseDumpKmsKeyArn: kmsKeyArn.optional(),
  })
  .strict();

const secretsSchema = z
  .object({
    /**
     * Days a deleted secret (DKIM keys, certificates, database users, SES credentials) can still
     * be restored: 7–30, or 0 to delete it at once. The names are fixed, so while a deleted secret
     * waits a destroyed environment cannot be applied again: use 0 for throw-away environments.
     * The database master secret is not affected: RDS makes and deletes it, under a name new with
     * every instance.
     */
    recoveryWindowDays: z
      .number()
      .refine((days) => days === 0 || (Number.isInteger(days) && days >= 7 && days <= 30), { error: 'must be 0 (delete at once) or a whole number of days from 7 to 30' })
      .default(30),
  })
  .strict();

/** The complete schema of a configuration file. */
export const configSchema = z
  .object({
    /** Short name of the deployment; part of every AWS name (`mail-<environment>-mx1`). */
    environment: z.string().regex(/^[a-z][a-z0-9-]{1,19}$/, { error: 'must be 2–20 lower-case letters, digits or hyphens, starting with a letter' }),
    region,
    /** The Route53 hosted zone that holds the mail hosts' names and the DNS records we publish. */
    hostedZone: hostedZoneSchema,
    /** Domains this system receives mail for; more can be added at run time with mirovoy-admin. */
    mailDomains: z.array(fqdn).min(1, { error: 'needs at least one mail domain' }),
    network: networkSchema.default(networkSchema.parse({})),
    /** The DNS records published for the mail domains. */
    dns: dnsSchema.default(dnsSchema.parse({})),
    mail: mailSchema,
    webmail: webmailSchema,
    phpMyAdmin: phpMyAdminSchema,
    /** Access logs of the web load balancer (the `<env>-web` stack). */
    webAccessLogs: webAccessLogsSchema.default(webAccessLogsSchema.parse({})),
    certificates: certificatesSchema,
    database: databaseSchema.default(databaseSchema.parse({})),
    /** Scheduled snapshots of the mail volumes (the database has its own, `database.backupRetentionDays`) and the nightly database dump. */
    backups: backupsSchema.default(backupsSchema.parse({})),
    /** Where the CloudWatch alarms go. */
    alerts: alertsSchema.default(alertsSchema.parse({})),
    /** Customer-managed KMS key for EBS volumes, RDS storage, secrets, the backup vault and the alarm topic. @default AWS-managed keys */
    kmsKeyArn: kmsKeyArn.optional(),
    /** How Secrets Manager keeps the secrets made here. */
    secrets: secretsSchema.default(secretsSchema.parse({})),
    /** An extra administrator with sudo and SSH keys on every host. */
    admin: adminSchema.optional(),
    /** Moving an existing Flurdy/Mirovoy server's mail database here. */
    migration: migrationSchema.default({}),
    /**
     * Load sample mailboxes and aliases once (the reference's `InsertTestData`): xandros@ and
     * vivita@ the first mail domain, with passwords Terraform generates into the secret
     * `<env>/mail/test-data` (README, "Test data"). Refused with `certificates.acme.server:
     * "production"` (configs/rules.ts): test accounts do not belong on a production system.
     */
    testData: z.boolean().default(false),
    /** Remote state in S3; without it, state stays in local files. */
    state: stateSchema.optional(),
    /** The optional `<env>-ci` stack: GitHub's OIDC provider and the CI workflow's plan and apply roles (README, "CI"). Needs `state`. */
    ci: ciSchema.optional(),
    /**
     * Tags put on every AWS resource. Hosts read their tags through the metadata service, which
     * allows only letters, digits and `+ - = . , _ : @` in tag keys (no spaces, no `/`).
     */
    tags: z
      .record(
        z.string().regex(/^(?!\.{1,2}$|_index$)[A-Za-z0-9+\-=.,_:@]{1,128}$/, {
          error: 'must be a tag key of letters, digits and + - = . , _ : @ (no spaces or /: instance tags are read through the metadata service)',
        }),
        z.string().max(256),
      )
      .default({}),
  })
  .strict();

/** A configuration as written by a person: optional fields may be left out. */
export type MirovoyConfigInput = z.input<typeof configSchema>;
/** A validated configuration with every default filled in. */
export type MirovoyConfig = z.output<typeof configSchema>;
