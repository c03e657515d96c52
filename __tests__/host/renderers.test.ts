import {
  credentialsFor,
  DB_MIGRATE_PATH,
  checkMailHostSpec,
  DOVECOT_QUERIES,
  dovecotConfig,
  grantStatements,
  MIGRATIONS,
  MYSQL_SHARE_DIRECTORY,
  POSTFIX_MAP_COLUMNS,
  POSTFIX_MAP_QUERIES,
  POSTFIX_MAP_TEMPLATE_DIRECTORY,
  postfixMainParameters,
  postfixMasterServices,
  QUOTA_WARNING_MESSAGES,
  renderMailHost,
  resolveMailHostSpec,
  runsSchemaStep,
} from '../../host';
import { renderProvisionCommand } from '../../host/provision';
import { backupSpec, primarySpec, fileOf } from './fixtures';

const primary = resolveMailHostSpec(primarySpec);
const backup = resolveMailHostSpec(backupSpec);

describe('Postfix main.cf', () => {
  const main = postfixMainParameters(primary);

  it('refuses open relay on port 25', () => {
    expect(main.smtpd_relay_restrictions).toEqual(['permit_mynetworks', 'permit_sasl_authenticated', 'reject_unauth_destination']);
    expect(main.mynetworks).toEqual(['127.0.0.0/8']);
  });

  it('rejects unknown recipients before any policy service (no greylisting of unknown users)', () => {
    const list = postfixMainParameters(primary, {
      policyServices: [{ endpoint: 'inet:127.0.0.1:10023' }, { endpoint: 'unix:private/policyd-spf' }],
    }).smtpd_recipient_restrictions as string[];
    const unlisted = list.indexOf('reject_unlisted_recipient');
    expect(unlisted).toBeGreaterThanOrEqual(0);
    expect(list.findIndex((r) => r.startsWith('check_policy_service'))).toBeGreaterThan(unlisted);
  });

  it('offers no AUTH on port 25 and requires TLS before AUTH', () => {
    expect(main.smtpd_sasl_auth_enable).toBe(false);
    expect(main.smtpd_tls_auth_only).toBe(true);
    expect(main.smtpd_tls_security_level).toBe('may');
  });

  it('allows only TLS 1.2+ and strong ciphers where TLS is mandatory, with session caches', () => {
    expect(main.smtpd_tls_mandatory_protocols).toBe('>=TLSv1.2');
    expect(main.smtpd_tls_mandatory_ciphers).toBe('high');
    expect(main.smtpd_tls_session_cache_database).toMatch(/^btree:/);
    expect(main.smtp_tls_session_cache_database).toMatch(/^btree:/);
  });

  it('delivers to Dovecot LMTP and uses plus addressing', () => {
    expect(main.virtual_transport).toBe('lmtp:unix:private/dovecot-lmtp');
    expect(main.recipient_delimiter).toBe('+');
    expect(postfixMainParameters(resolveMailHostSpec({ ...primarySpec, plusAddressing: false })).recipient_delimiter).toBe('');
  });

  it('has no defunct blocklist, and a configured one always carries a reply filter', () => {
    expect(main.smtpd_client_restrictions).toBeNull();
    const withList = postfixMainParameters(
      resolveMailHostSpec({ ...primarySpec, dnsBlocklists: [{ zone: 'zen.spamhaus.org', listedReplies: '127.0.0.[2..11]' }] }),
    );
    expect(withList.smtpd_client_restrictions).toContain('reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]');
    expect(fileOf(primarySpec, '/etc/postfix/main.cf')).not.toMatch(/easynet/);
  });

  it('composes content filter and milters through typed hooks', () => {
    const p = postfixMainParameters(primary, {
      contentFilter: { nexthop: 'smtp-amavis:[127.0.0.1]:10024' },
      milters: { endpoints: ['inet:127.0.0.1:8891'] },
    });
    expect(p.content_filter).toBe('smtp-amavis:[127.0.0.1]:10024');
    expect(p.smtpd_milters).toEqual(['inet:127.0.0.1:8891']);
    expect(p.milter_default_action).toBe('accept');
  });
});

describe('Postfix master.cf', () => {
  const services = postfixMasterServices(primary);
  const submission = services.find((s) => s.service === 'submission');
  const submissions = services.find((s) => s.service === 'submissions');

  it('requires STARTTLS then AUTH on 587 and implicit TLS on 465', () => {
    expect(submission?.overrides).toMatchObject({ smtpd_tls_security_level: 'encrypt', smtpd_sasl_auth_enable: true, smtpd_tls_auth_only: true });
    expect(submission?.overrides?.smtpd_relay_restrictions).toEqual(['permit_sasl_authenticated', 'reject']);
    expect(submissions?.overrides).toMatchObject({ smtpd_tls_wrappermode: true, smtpd_sasl_auth_enable: true });
  });

  it('appends extension services', () => {
    const extra = postfixMasterServices(primary, { masterServices: [{ service: 'smtp-amavis', type: 'unix', maxproc: 2, command: ['smtp'] }] });
    expect(extra[extra.length - 1].service).toBe('smtp-amavis');
  });
});

describe('root and postmaster mail (rootMailRecipient)', () => {
  const withRecipient = (spec: typeof primarySpec) => postfixMainParameters(resolveMailHostSpec({ ...spec, rootMailRecipient: 'ops@example.org' }));

  it('sends root@/postmaster@ the host and cron\'s root@<mail origin> to the recipient, after the database aliases', () => {
    const main = withRecipient(primarySpec);
    expect(main.mydestination).toBe('');
    expect(main.virtual_alias_domains).toBe('mx1.example.com');
    const maps = main.virtual_alias_maps as string[];
    expect(maps.slice(0, 2).every((m) => m.startsWith('proxy:mysql:'))).toBe(true);
    expect(maps[2]).toBe('inline:{ root@mx1.example.com=ops@example.org, postmaster@mx1.example.com=ops@example.org, root@example.com=ops@example.org }');
  });

  it('on the backup MX, rewrites only its own root@/postmaster@ and accepts root@<mail origin> for the primary', () => {
    const main = withRecipient(backupSpec);
    expect(main.virtual_alias_domains).toBe('mx2.example.com');
    expect(main.virtual_alias_maps).toBe('inline:{ root@mx2.example.com=ops@example.org, postmaster@mx2.example.com=ops@example.org }');
    expect(main.relay_recipient_maps).toContain('inline:{ root@mx2.example.com=ops@example.org, postmaster@mx2.example.com=ops@example.org, root@example.com=ops@example.org }');
  });

  it('defaults to postmaster@ the first mail domain', () => {
    expect(primary.rootMailRecipient).toBe('postmaster@example.com');
    expect(resolveMailHostSpec({ ...primarySpec, mailDomains: ['example.net', 'example.com'] }).rootMailRecipient).toBe('postmaster@example.net');
  });

  it.each([
    ['an address it would receive itself', 'root@mx1.example.com'],
    ['an address that breaks the inline map', 'ops=x@example.org'],
    ['no address', 'ops'],
  ])('refuses %s, naming the field', (_, rootMailRecipient) => {
    expect(checkMailHostSpec({ ...primarySpec, rootMailRecipient })).toEqual([expect.objectContaining({ field: 'rootMailRecipient', value: rootMailRecipient })]);
  });

  it('refuses a host name that is also a mail domain', () => {
    expect(checkMailHostSpec({ ...primarySpec, mailDomains: ['example.com', 'mx1.example.com'] })).toContainEqual(expect.objectContaining({ field: 'hostname' }));
  });
});

describe('mail domains in the database', () => {
  const migrate = (spec: typeof primarySpec) => fileOf({ ...spec, mailDomains: ['example.com', 'example.net'] }, '/usr/local/sbin/mirovoy-db-migrate');
  it('the primary adds the mail domains', () => {
    expect(migrate(primarySpec)).toContain("readonly MAIL_DOMAINS=('example.com' 'example.net')");
  });
});

describe('backup MX', () => {
  const main = postfixMainParameters(backup);
  it('relays to the primary, validates recipients, delivers nothing locally and offers no submission', () => {
    expect(main.relay_transport).toBe('relay:[mx1.example.com]');
    expect(main.relay_domains).toMatch(/relay-domains\.cf$/);
    expect(main.relay_recipient_maps).toHaveLength(4);
    expect(main.virtual_transport).toBeUndefined();
    expect(main.mydestination).toBe('');
    expect(main.smtpd_relay_restrictions).toContain('reject_unauth_destination');
    expect(postfixMasterServices(backup).map((s) => s.service)).not.toContain('submission');
    expect(renderMailHost(backupSpec).files.map((f) => f.path)).not.toContain('/etc/dovecot/dovecot.conf');
  });
});

describe('SQL queries', () => {
  it('honour the enabled flag in every query', () => {
    for (const query of [...Object.values(POSTFIX_MAP_QUERIES), ...Object.values(DOVECOT_QUERIES)]) {
      expect(query).toMatch(/enabled = 1/);
    }
  });
});

describe('Dovecot', () => {
  const conf = dovecotConfig(primary);
  it('requires TLS 1.2+, serves 993 and opens 143 only on request', () => {
    expect(conf.ssl).toBe('required');
    expect(conf.ssl_min_protocol).toBe('TLSv1.2');
    expect(conf['service imap-login']).toMatchObject({ 'inet_listener imap': { port: 0 }, 'inet_listener imaps': { port: 993, ssl: true } });
    expect(dovecotConfig(resolveMailHostSpec({ ...primarySpec, imapStartTls: true }))['service imap-login']).toMatchObject({
      'inet_listener imap': { port: 143 },
    });
  });
  it('fixes the mail location so a never-delivered user can open INBOX', () => {
    expect(conf.mail_driver).toBe('maildir');
    expect(conf.mail_path).toBe('%{home}');
  });
  it('uses the configurable UID and the fixed GID 5000', () => {
    const c = dovecotConfig(resolveMailHostSpec({ ...primarySpec, vmailUid: 6001 }));
    expect(c).toMatchObject({ mail_uid: 6001, mail_gid: 5000, first_valid_gid: 5000, last_valid_gid: 5000 });
  });
  it('verifies legacy crypt hashes by default scheme CRYPT', () => {
    expect(conf['passdb sql']).toMatchObject({ default_password_scheme: 'CRYPT' });
  });
});

describe('database', () => {
  it('gives the lookup and Amavis accounts read-only access, the admin account no DDL', () => {
    expect(grantStatements(primary, 'lookup').every((g) => /^GRANT SELECT ON /.test(g))).toBe(true);
    expect(grantStatements(primary, 'amavis').join('\n')).not.toMatch(/INSERT|UPDATE|DELETE|crypt/);
    expect(grantStatements(primary, 'admin').join('\n')).not.toMatch(/CREATE|DROP|ALTER|ALL/);
  });
  // Their checksums are pinned in db-migrate.test.ts.
  it('keeps migration versions increasing', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
  it('keeps the reference column order of users (mysqldump inserts positionally)', () => {
    const users = MIGRATIONS[0].statements.find((s) => s.includes('CREATE TABLE IF NOT EXISTS users')) ?? '';
    const columns = [...users.matchAll(/^ {2}([a-z_]+) [A-Z]/gm)].map((m) => m[1]);
    expect(columns).toEqual(['id', 'name', 'uid', 'gid', 'home', 'maildir', 'enabled', 'change_password', 'clear', 'crypt', 'quota']);
  });
  // Issue 12, item 2: the backup MX held the master credential and ensured its own account.
  it('applies the schema on the primary only, which ensures every account, the backup MX\'s included', () => {
    const accounts = /^readonly ACCOUNTS=\((.*)\)$/m.exec(fileOf(primarySpec, '/usr/local/sbin/mirovoy-db-migrate'))?.[1];
    expect(accounts?.split("' '").map((a) => a.replace(/'/g, '').split(' ')[0])).toEqual(['mirovoy_lookup', 'mirovoy_postfix', 'mirovoy_admin', 'mirovoy_amavis', 'mirovoy_dump']);
    expect(renderMailHost(backupSpec).files.map((f) => f.path).filter((p) => p.startsWith(`${MYSQL_SHARE_DIRECTORY}/`) || p === DB_MIGRATE_PATH)).toEqual([]);
    expect(renderProvisionCommand(renderMailHost(backupSpec)).content).toMatch(/^readonly DB_MIGRATE=''$/m);
  });
  // Issue 12, item 3: Postfix's map files (group postfix) held mirovoy_lookup's password, and
  // that account could read users.crypt and users.clear.
  it("gives Postfix an account of its own that may read the columns its maps query, and no password hash", () => {
    expect(grantStatements(primary, 'postfix')).toEqual([
      "GRANT SELECT (domain, enabled) ON maildb.domains TO 'mirovoy_postfix'@'%'",
      "GRANT SELECT (id, enabled) ON maildb.users TO 'mirovoy_postfix'@'%'",
      "GRANT SELECT (mail, destination, enabled) ON maildb.aliases TO 'mirovoy_postfix'@'%'",
      "GRANT SELECT (domain, enabled) ON maildb.backups TO 'mirovoy_postfix'@'%'",
      "GRANT SELECT (recipient, enabled) ON maildb.relays TO 'mirovoy_postfix'@'%'",
    ]);
    expect(grantStatements(backup, 'postfix')).toEqual(grantStatements(primary, 'postfix'));
    for (const [name, query] of Object.entries(POSTFIX_MAP_QUERIES)) {
      for (const part of query.split(' UNION ')) {
        const [, selected, table, conditions] = /^SELECT (.+) FROM (\w+) WHERE (.+)$/.exec(part) ?? [];
        const columns = [...selected.split(','), ...conditions.split(' AND ').map((c) => c.split('=')[0])].map((c) => c.trim()).filter((c) => !c.startsWith("'"));
        expect({ name, table, columns: columns.filter((c) => !(POSTFIX_MAP_COLUMNS as Record<string, readonly string[]>)[table]?.includes(c)) }).toEqual({ name, table, columns: [] });
      }
    }
    for (const spec of [primarySpec, backupSpec]) {
      for (const f of renderMailHost(spec).files.filter((f) => f.path.startsWith(`${POSTFIX_MAP_TEMPLATE_DIRECTORY}/`))) expect(f.content).toMatch(/^user = mirovoy_postfix$/m);
    }
  });
  it('blanks the cleartext passwords of imported reference rows in a migration of its own', () => {
    expect(MIGRATIONS.find((m) => m.name === 'blank-reference-cleartext')?.statements).toEqual(["UPDATE users SET clear = '' WHERE clear <> ''"]);
  });
});

describe('every rendered file', () => {
  const hosts = [renderMailHost(primarySpec), renderMailHost(backupSpec)];

  it('carries no secret: no password setting in any configuration file', () => {
    // Scripts (#!) contain code that reads passwords from the secret files; configuration must not.
    for (const f of hosts.flatMap((h) => h.files).filter((f) => !f.content.startsWith('#!'))) {
      expect(f.content).not.toMatch(/^\s*(mysql_)?password\s*=/m);
    }
  });

  it('names no database host: each reader takes it from the option or map file written at run time', () => {
    const files = hosts.flatMap((h) => h.files);
    for (const f of files) expect(f.content).not.toMatch(/^\s*hosts\s*=|[;:]host=|--host\b|"host":/m);
    expect(fileOf(primarySpec, '/etc/dovecot/dovecot.conf')).toMatch(/^mysql database \{\n\s+mysql_host =\n/m);
    expect(fileOf(primarySpec, '/etc/mirovoy/admin.json')).toContain('"option_file": "/etc/mirovoy/private/mysql-admin.cnf"');
  });

  it('has a generated-file header (except /etc/mailname and the quota warnings, which are mail delivered as they are) and is deterministic', () => {
    for (const f of hosts.flatMap((h) => h.files).filter((f) => f.path !== '/etc/mailname' && !f.path.startsWith(`${QUOTA_WARNING_MESSAGES}/`))) {
      expect(f.content).toMatch(/Generated by Mirovoy Mail from host\/|"_generated": "by Mirovoy Mail/);
    }
    expect(renderMailHost(primarySpec)).toEqual(renderMailHost(primarySpec));
  });

  it('lists the secret files the provision step must write, with the credential for each', () => {
    expect(hosts[0].secretFiles.map((s) => `${s.credential} ${s.path} ${s.mode} ${s.owner}:${s.group}`)).toEqual([
      'lookup /etc/mirovoy/private/mysql-lookup.cnf 0640 root:dovecot',
      'postfix /etc/mirovoy/private/mysql-postfix.cnf 0600 root:root',
      'admin /etc/mirovoy/private/mysql-admin.cnf 0600 root:root',
      'amavis /etc/mirovoy/private/mysql-amavis.cnf 0640 root:amavis',
      'dump /etc/mirovoy/private/mysql-dump.cnf 0600 root:root',
      'postfix /etc/postfix/mysql/virtual-mailbox-domains.cf 0640 root:postfix',
      'postfix /etc/postfix/mysql/virtual-mailbox-maps.cf 0640 root:postfix',
      'postfix /etc/postfix/mysql/virtual-alias-maps.cf 0640 root:postfix',
      'postfix /etc/postfix/mysql/mailbox-self-aliases.cf 0640 root:postfix',
      'postfix /etc/postfix/mysql/sender-logins.cf 0640 root:postfix',
    ]);
    // The backup MX runs no Dovecot: no account that reads password hashes (issue 12, item 3). No host
    // keeps the master's (item 2): mirovoy-db-migrate writes its file for its own run.
    expect([...new Set(hosts[1].secretFiles.map((s) => s.credential))]).toEqual(['postfix']);
    expect(credentialsFor(backup)).toEqual(['postfix']);
    expect(credentialsFor(primary)).not.toContain('master');
    expect(runsSchemaStep(primary) && !runsSchemaStep(backup)).toBe(true);
  });
});

describe('snapshots of the files people review', () => {
  it.each(['/etc/postfix/main.cf', '/etc/postfix/master.cf', '/etc/dovecot/dovecot.conf'])('%s (primary)', (path) => {
    expect(fileOf(primarySpec, path)).toMatchSnapshot();
  });
  it('/etc/postfix/main.cf (backup)', () => {
    expect(fileOf(backupSpec, '/etc/postfix/main.cf')).toMatchSnapshot();
  });
});
