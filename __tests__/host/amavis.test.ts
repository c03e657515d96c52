import {
  AMAVIS_LOCAL_DOMAIN_QUERY,
  amavisMasterServices,
  amavisSettings,
  clamdSettings,
  MailHostSpecError,
  postfixMainParameters,
  postfixMasterServices,
  renderMailHost,
  resolveMailHostSpec,
  postfixExtensionsFor,
} from '../../host';
import { backupSpec, primarySpec, fileOf } from './fixtures';

const primary = resolveMailHostSpec(primarySpec);

describe('Amavis content filter', () => {
  it('filters port 25 through smtp-amavis and submission through the ORIGINATING port', () => {
    const ext = postfixExtensionsFor(primary);
    expect(postfixMainParameters(primary, ext).content_filter).toBe('smtp-amavis:[127.0.0.1]:10024');
    const submission = postfixMasterServices(primary, ext).find((s) => s.service === 'submission');
    expect(submission?.overrides?.content_filter).toBe('smtp-amavis:[127.0.0.1]:10026');
    const settings = amavisSettings(primary);
    expect(settings.$inet_socket_port).toEqual([10024, 10026]);
    expect(settings["$interface_policy{'10026'}"]).toBe('ORIGINATING');
    expect(settings["$policy_bank{'ORIGINATING'}"]).toMatchObject({ originating: 1, bypass_spam_checks_maps: [1] });
  });

  it('re-injects without filters, recipient checks or milters (no second DKIM signature)', () => {
    const reinject = amavisMasterServices(primary).find((s) => s.service === '127.0.0.1:10025');
    expect(reinject?.overrides).toMatchObject({
      content_filter: '',
      receive_override_options: ['no_unknown_recipient_checks', 'no_header_body_checks', 'no_milters'],
    });
  });

  it('runs as many filter connections as Amavis children', () => {
    const spec = resolveMailHostSpec({ ...primarySpec, amavis: { maxServers: 6 } });
    expect(amavisMasterServices(spec).find((s) => s.service === 'smtp-amavis')?.maxproc).toBe(6);
    expect(amavisSettings(spec).$max_servers).toBe(6);
  });

  it('looks local domains up in SQL with the read-only amavis account and its option file', () => {
    const s = amavisSettings(primary);
    const [[dsn, user, password]] = s['@lookup_sql_dsn'] as [[string, string, null]];
    expect(dsn).toMatch(/^DBI:MariaDB:.*;mariadb_read_default_file=\/etc\/mirovoy\/private\/mysql-amavis.cnf;/);
    expect(user).toBe('mirovoy_amavis');
    expect(password).toBeNull();
    expect(AMAVIS_LOCAL_DOMAIN_QUERY).toMatch(/FROM domains .* AND enabled = 1$/);
    expect(s.$sql_select_white_black_list).toBeNull();
    expect(s.$recipient_delimiter).toBe('+');
    expect(amavisSettings(resolveMailHostSpec({ ...primarySpec, plusAddressing: false })).$recipient_delimiter).toBeNull();
  });

  it('verifies the database server when a CA is given', () => {
    const s = amavisSettings(resolveMailHostSpec({ ...primarySpec, database: { tlsCaFile: '/etc/mirovoy/tls/db-ca.pem' } }));
    expect((s['@lookup_sql_dsn'] as string[][])[0][0]).toContain('mariadb_ssl=1;mariadb_ssl_ca_file=/etc/mirovoy/tls/db-ca.pem;mariadb_ssl_verify_server_cert=1');
  });

  it('enables scanning (Debian leaves the bypass maps commented) and never delivers viruses', () => {
    const text = fileOf(primarySpec, '/etc/amavis/conf.d/50-user');
    expect(text).toContain('@bypass_virus_checks_maps = (\\%bypass_virus_checks, \\@bypass_virus_checks_acl, \\$bypass_virus_checks_re);');
    expect(text).toContain('@bypass_spam_checks_maps = (\\%bypass_spam_checks, \\@bypass_spam_checks_acl, \\$bypass_spam_checks_re);');
    expect(text).toContain('$final_virus_destiny = D_DISCARD;');
    expect(text).toMatch(/^1;/m);
  });

  it.each([
    ['tag', 'D_PASS', null],
    ['quarantine', 'D_DISCARD', 'spam-quarantine'],
    ['discard', 'D_DISCARD', null],
  ] as const)('spam policy %s: %s, quarantine %s, never a bounce', (spamPolicy, destiny, quarantine) => {
    const s = amavisSettings(resolveMailHostSpec({ ...primarySpec, amavis: { spamPolicy } }));
    expect(s.$final_spam_destiny).toEqual({ destiny });
    expect(s.$spam_quarantine_to).toBe(quarantine);
  });

  it('files tagged spam into Junk with a global Sieve script only for the tag policy', () => {
    const tag = renderMailHost(primarySpec);
    expect(fileOf(primarySpec, '/etc/dovecot/sieve/spam-to-junk.sieve')).toContain('if header :is "X-Spam-Flag" "YES" {\n  fileinto :create "INBOX.Junk";');
    expect(fileOf(primarySpec, '/etc/dovecot/dovecot.conf')).toContain('sieve_script spam-to-junk {\n  sieve_script_type = before');
    expect(tag.checks).toContainEqual({ unit: 'dovecot', command: ['sievec', '/etc/dovecot/sieve/spam-to-junk.sieve'] });
    const quarantine = renderMailHost({ ...primarySpec, amavis: { spamPolicy: 'quarantine' } });
    expect(quarantine.files.map((f) => f.path)).not.toContain('/etc/dovecot/sieve/spam-to-junk.sieve');
  });

  it('uses tmpfs only when asked', () => {
    expect(amavisSettings(primary)).not.toHaveProperty('$TEMPBASE');
    expect(amavisSettings(resolveMailHostSpec({ ...primarySpec, amavis: { tempDirectory: 'tmpfs' } })).$TEMPBASE).toBe('/run/amavis');
  });

  it('hands the amavis credential file to the amavis group', () => {
    const file = renderMailHost(primarySpec).secretFiles.find((f) => f.credential === 'amavis');
    expect(file).toMatchObject({ mode: '0640', owner: 'root', group: 'amavis' });
  });

  it('does not run on the backup MX, and refuses to be turned on there', () => {
    const backup = renderMailHost(backupSpec);
    expect(backup.files.map((f) => f.path).filter((p) => /amavis|clamav/.test(p))).toEqual([]);
    expect(() => resolveMailHostSpec({ ...backupSpec, amavis: { enabled: true } })).toThrow(MailHostSpecError);
  });
});

describe('ClamAV', () => {
  it('writes the file Debian clamd reads, with the reload mode chosen from memory', () => {
    expect(renderMailHost(primarySpec).files.map((f) => f.path)).toContain('/etc/clamav/clamd.conf');
    expect(clamdSettings(primary).ConcurrentDatabaseReload).toBe(false);
    expect(clamdSettings(resolveMailHostSpec({ ...primarySpec, memoryMiB: 1024 })).ConcurrentDatabaseReload).toBe(false);
    expect(clamdSettings(resolveMailHostSpec({ ...primarySpec, memoryMiB: 4096 })).ConcurrentDatabaseReload).toBe(true);
    expect(clamdSettings(resolveMailHostSpec({ ...primarySpec, memoryMiB: 4096, clamavConcurrentDatabaseReload: false })).ConcurrentDatabaseReload).toBe(false);
    expect(fileOf(primarySpec, '/etc/clamav/clamd.conf')).toMatch(/^LocalSocket \/var\/run\/clamav\/clamd\.ctl$/m);
  });

  it('lets clamd read the files Amavis unpacks', () => {
    expect(renderMailHost(primarySpec).groupMembers).toContainEqual(expect.objectContaining({ user: 'clamav', group: 'amavis' }));
  });
});

describe('snapshots of the filter files people review', () => {
  it('/etc/amavis/conf.d/50-user', () => {
    expect(fileOf(primarySpec, '/etc/amavis/conf.d/50-user')).toMatchSnapshot();
  });
});
