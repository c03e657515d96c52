/**
 * Amavis settings (/etc/amavis/conf.d/50-user, read after Debian's defaults).
 * Key names are amavisd's own: https://www.amavis.org/amavisd-new-docs.html and the
 * commented reference in /usr/share/doc/amavisd-new/amavisd.conf-default.
 */
import { AmavisDestiny, PerlAssignments } from '../format/perl-assignments';
import { databaseSecretFile } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';

/** TCP ports on 127.0.0.1 of the filter chain. */
/**
 * Amavis' quarantine (`$QUARANTINEDIR`): under the spool volume's mount point (/var/spool), so it
 * survives an instance replacement and is in the volume's snapshots.
 */
export const AMAVIS_QUARANTINE_DIRECTORY = '/var/spool/amavis/quarantine';

export const AMAVIS_PORTS = {
  /** Mail from other MTAs (port 25) enters Amavis here. */
  inbound: 10024,
  /** Postfix's re-injection listener: Amavis hands scanned mail back here. */
  reinjection: 10025,
  /** Mail from authenticated users (587/465) enters Amavis here, policy bank ORIGINATING. */
  originating: 10026,
} as const;

/**
 * Local domains come from the mail database: a row means "local" (Amavis then adds
 * X-Spam headers and applies inbound policy). `%k` is Amavis' list of lookup keys for a
 * recipient (user+ext@domain, user@domain, ..., @domain, @.tld, @.); only `@domain` can
 * match here. Amavis consults this before its static maps (Amavis.pm, `local` field, B1).
 */
export const AMAVIS_LOCAL_DOMAIN_QUERY = "SELECT 'Y' AS local FROM domains WHERE CONCAT('@', domain) IN (%k) AND enabled = 1";

const destiny = (d: AmavisDestiny) => ({ destiny: d }) as const;

/** DBI data source of the read-only `amavis` database account; its password comes from the option file. */
export const amavisDataSource = (spec: ResolvedMailHostSpec): string => {
  const db = spec.database;
  // DBD::MariaDB, not DBD::mysql: trixie's DBD::mysql is built on libmariadb, which refuses
  // `mysql_ssl=1` ("Enforcing SSL encryption is not supported", seen in the rehearsal).
  return [
    `DBI:MariaDB:database=${db.name}`,
    `port=${db.port}`,
    // Neither the host nor the password is in this file: libmariadb reads both from the
    // [client] group of the option file (written at run time) when DBI passes none.
    `mariadb_read_default_file=${databaseSecretFile('amavis').path}`,
    'mariadb_read_default_group=client',
    ...(db.tlsCaFile === null ? [] : ['mariadb_ssl=1', `mariadb_ssl_ca_file=${db.tlsCaFile}`, 'mariadb_ssl_verify_server_cert=1']),
  ].join(';');
};

/** The assignments of 50-user, in file order. */
export const amavisSettings = (spec: ResolvedMailHostSpec): PerlAssignments => {
  const { amavis } = spec;
  const spamBlocked = amavis.spamPolicy !== 'tag';
  return {
    // Debian derives both from `hostname --fqdn` and /etc/mailname at start-up, which fails
    // before cloud-init has set the name (rehearsal-feasibility §5); notices then go to postmaster@.
    $myhostname: spec.hostname,
    $mydomain: spec.mailOrigin,
    // Debian's 15-content_filter_mode leaves these commented, which turns scanning OFF.
    '@bypass_virus_checks_maps': [{ ref: '%bypass_virus_checks' }, { ref: '@bypass_virus_checks_acl' }, { ref: '$bypass_virus_checks_re' }],
    '@bypass_spam_checks_maps': [{ ref: '%bypass_spam_checks' }, { ref: '@bypass_spam_checks_acl' }, { ref: '$bypass_spam_checks_re' }],

    // Inbound and originating entry points (see AMAVIS_PORTS); both hand mail back to Postfix.
    $inet_socket_port: [AMAVIS_PORTS.inbound, AMAVIS_PORTS.originating],
    "$interface_policy{'10026'}": 'ORIGINATING',
    // Our users' outbound mail: virus-scanned, not spam-scored (their mail is not spam to us,
    // and SpamAssassin's network tests would only slow submission down). A blocked virus or
    // banned file bounces to the sender: they are authenticated, so it is no backscatter.
    "$policy_bank{'ORIGINATING'}": {
      originating: 1,
      bypass_spam_checks_maps: [1],
      final_virus_destiny: destiny('D_BOUNCE'),
      final_banned_destiny: destiny('D_BOUNCE'),
    },
    $forward_method: `smtp:[127.0.0.1]:${AMAVIS_PORTS.reinjection}`,
    $notify_method: `smtp:[127.0.0.1]:${AMAVIS_PORTS.reinjection}`,
    // A new loopback connection per message instead of a cached one: a cached connection dies
    // when Postfix restarts (provisioning) or reloads (certificate renewal), and Amavis then
    // failed the next message with 451 "Broken pipe" (seen in the rehearsal), delaying it by
    // Postfix's retry time.
    $smtp_connection_cache_enable: 0,
    // And not "on demand" either (amavisd's default is 1): with only the line above, the first
    // message after an in-place convergence that restarted Postfix still got 451 "Broken pipe".
    $smtp_connection_cache_on_demand: 0,
    // Child processes; Postfix's smtp-amavis transport uses the same number of connections.
    $max_servers: amavis.maxServers,
    // tmpfs: the service's RuntimeDirectory (/run/amavis, owned by amavis, emptied on stop);
    // disk: Debian's /var/lib/amavis/tmp.
    ...(amavis.tempDirectory === 'tmpfs' ? { $TEMPBASE: '/run/amavis' } : {}),

    // Local domains from SQL with the read-only amavis account, never the static list
    // (Debian fills it from /etc/mailname, which holds only one domain).
    '@lookup_sql_dsn': [[amavisDataSource(spec), spec.database.users.amavis, null]],
    $sql_select_policy: AMAVIS_LOCAL_DOMAIN_QUERY,
    // The default white/blacklist query reads wblist/mailaddr tables we do not have.
    $sql_select_white_black_list: null,
    '@local_domains_acl': [],
    // user+tag@domain is the same recipient as user@domain (Postfix recipient_delimiter).
    $recipient_delimiter: spec.plusAddressing ? '+' : null,

    // Score every message for local recipients, so each delivered message shows X-Spam
    // headers (users and tests can see the filter ran).
    $sa_tag_level_deflt: -999,
    $sa_tag2_level_deflt: amavis.spamScore,
    $sa_kill_level_deflt: amavis.spamScore,
    // tag: deliver; the Junk folder is chosen by Dovecot's global Sieve script. Never bounce:
    // after the SMTP transaction a bounce goes to the (usually forged) sender.
    $final_spam_destiny: destiny(spamBlocked ? 'D_DISCARD' : 'D_PASS'),
    // The quarantine is on the spool volume, not Debian's /var/lib/amavis/virusmails on the root
    // volume, so a replaced instance keeps it (and volume snapshots back it up).
    $QUARANTINEDIR: AMAVIS_QUARANTINE_DIRECTORY,
    $spam_quarantine_to: amavis.spamPolicy === 'quarantine' ? 'spam-quarantine' : null,
    // Viruses are never delivered and never bounced (same backscatter reason): discarded
    // and kept in the local quarantine for the postmaster.
    $final_virus_destiny: destiny('D_DISCARD'),
    $virus_quarantine_to: 'virus-quarantine',
    // Without clamd, Debian falls back to clamscan, which loads the whole signature database
    // per message (~1 GiB with the official one): defer the mail instead (Postfix retries).
    '@av_scanners_backup': [],
    // ...and defer it when clamd fails: Amavis::Conf leaves this unset (false), so with
    // clamd stopped Amavis delivered every message unscanned ("Passed UNCHECKED", seen in
    // the rehearsal's fault test); true makes it answer 4xx ("AV: ALL VIRUS SCANNERS FAILED")
    // and Postfix keeps the message queued until clamd is back.
    $virus_scanners_failure_is_fatal: 1,
  };
};
