import { fail2banSettings, renderMailHost, resolveMailHostSpec } from '../../host';
import { MANAGESIEVE_PORT } from '../../host/client-ports';
import { mailHostPackages } from '../../host/provision';
import { backupSpec, fileOf, primarySpec } from './fixtures';

const DOVECOT_CONF = '/etc/dovecot/dovecot.conf';

describe('ManageSieve on the primary (issue 13 item 4)', () => {
  const conf = fileOf(primarySpec, DOVECOT_CONF);

  it('serves the sieve protocol on 4190 behind the global ssl = required, with plaintext auth never allowed before TLS', () => {
    expect(conf).toMatch(/^protocols = imap lmtp sieve$/m);
    expect(conf).toContain(`service managesieve-login {\n  inet_listener sieve {\n    port = ${MANAGESIEVE_PORT}\n  }\n}`);
    expect(conf).toMatch(/^ssl = required$/m);
    // Dovecot's default (no) is what refuses AUTHENTICATE "PLAIN" before STARTTLS: nothing may turn it on.
    expect(conf).not.toMatch(/auth_allow_cleartext/);
  });

  it('keeps vacation and drops vacation-seconds, caps redirects and script storage, and sends through Postfix', () => {
    expect(conf).toContain('sieve_extensions {\n  vacation = yes\n  vacation-seconds = no\n}');
    expect(conf).toMatch(/^sieve_max_redirects = 4$/m);
    expect(conf).toMatch(/^sieve_redirect_envelope_from = recipient$/m);
    expect(conf).toMatch(/^sieve_quota_script_count = 20$/m);
    expect(conf).toMatch(/^sieve_quota_storage_size = 1M$/m);
    expect(conf).toMatch(/^sendmail_path = \/usr\/sbin\/sendmail$/m);
    // Pigeonhole's reply checks (lists, auto-submitted, not addressed to the user) stay at their defaults.
    expect(conf).not.toMatch(/sieve_vacation_(dont_check_recipient|check_recipient|send_from_recipient)/);
  });

  it('installs the ManageSieve package and configures it only with Sieve on', () => {
    expect(mailHostPackages(renderMailHost(primarySpec))).toContain('dovecot-managesieved');
    const off = renderMailHost({ ...primarySpec, sieve: false });
    expect(mailHostPackages(off)).not.toContain('dovecot-managesieved');
    const offConf = off.files.find((f) => f.path === DOVECOT_CONF)!.content;
    expect(offConf).toMatch(/^protocols = imap lmtp$/m);
    expect(offConf).not.toMatch(/managesieve|sieve_max_redirects/);
  });

  it('has no ManageSieve on the backup MX (no mailboxes there)', () => {
    const backup = renderMailHost(backupSpec);
    expect(mailHostPackages(backup)).not.toContain('dovecot-managesieved');
    expect(backup.files.map((f) => f.path)).not.toContain(DOVECOT_CONF);
  });

  it("has fail2ban's dovecot jail guard 4190 when Sieve is on (the stock filter reads managesieve-login's failures)", () => {
    expect(fail2banSettings(resolveMailHostSpec(primarySpec)).dovecot).toMatchObject({ port: '993,4190' });
    expect(fail2banSettings(resolveMailHostSpec({ ...primarySpec, sieve: false, imapStartTls: true })).dovecot).toMatchObject({ port: '993,143' });
  });
});
