/** Outbound mail through a smarthost, with and without a login (Amazon SES). */
import { loadConfig } from '../../configs/load';
import { MailHostSpecError, postfixMainParameters, renderMailHost, resolveMailHostSpec } from '../../host';
import { mailHostSpecFromConfig, sesSmtpRelayHost } from '../../adapters/mail-host-spec';
import { mailHostPackages, renderProvisionCommand, SECRET_FILE_COLUMNS } from '../../host/provision';
import { shellTableRows } from '../support/shell-table';
import { RUNTIME_SECRETS } from '../../host/provision/runtime-seam';
import { backupSpec, primarySpec } from './fixtures';

const SES = '[email-smtp.eu-central-1.amazonaws.com]:587';

describe('an authenticated relay', () => {
  const spec = { ...primarySpec, relay: { host: SES, authenticated: true } };
  const main = postfixMainParameters(resolveMailHostSpec(spec));

  it('sends all outbound mail to it and logs in with the run-time credentials (texthash: no postmap)', () => {
    expect(main).toMatchObject({
      relayhost: SES,
      smtp_sasl_auth_enable: true,
      smtp_sasl_password_maps: 'texthash:/etc/mirovoy/private/relay-password',
      // PLAIN/LOGIN allowed (noplaintext dropped), but never anonymous.
      smtp_sasl_security_options: 'noanonymous',
      smtp_sasl_tls_security_options: 'noanonymous',
    });
  });

  it('requires TLS with a certificate valid for the relay name, for the relay only', () => {
    expect(main.smtp_tls_policy_maps).toBe(`inline:{ ${SES}=secure }`);
    // Other next hops keep opportunistic TLS (and Amavis its own "none").
    expect(main.smtp_tls_security_level).toBe('may');
  });

  it('has the provision step write "<relay> <user>:<password>" root-only from the secret relay, and restart Postfix when it changes', () => {
    const script = renderProvisionCommand(renderMailHost(spec)).content;
    expect(shellTableRows(script, 'SECRET_FILE', SECRET_FILE_COLUMNS)).toContain(`postfix-sasl-password /etc/mirovoy/private/relay-password 0600 root root ${RUNTIME_SECRETS.relay} postfix ${SES}`);
  });

  it('refuses a relay without brackets and port, whose certificate name would be ambiguous', () => {
    expect(() => resolveMailHostSpec({ ...spec, relay: { host: 'smtp.example.net', authenticated: true } })).toThrow(MailHostSpecError);
    expect(() => resolveMailHostSpec({ ...spec, relay: { host: '[192.0.2.1]:587', authenticated: true } })).toThrow(/relay\.host = "\[192\.0\.2\.1\]:587": an authenticated relay needs a bracketed host name/);
  });
});

describe('a relay without login, and no relay', () => {
  it('only sets relayhost for a relay that accepts us by address', () => {
    const main = postfixMainParameters(resolveMailHostSpec({ ...backupSpec, relay: { host: '[smtp.example.net]:25' } }));
    expect(main.relayhost).toBe('[smtp.example.net]:25');
    expect(main).not.toHaveProperty('smtp_sasl_auth_enable');
    // Only the backup MX's own hop to the primary has a TLS policy (see backup-mx-hop.test.ts).
    expect(main.smtp_tls_policy_maps).toBe('inline:{ { [mx1.example.com] = secure match=mx1.example.com } }');
    expect(renderProvisionCommand(renderMailHost({ ...backupSpec, relay: { host: '[smtp.example.net]:25' } })).content).not.toContain("'postfix-sasl-password'");
  });

  it('delivers directly without one', () => {
    expect(postfixMainParameters(resolveMailHostSpec(primarySpec)).relayhost).toBe('');
  });
});

describe('the config adapter', () => {
  const example = loadConfig('example');

  it('relays through SES with a login when mail.outbound is "ses", on both roles', () => {
    const config = { ...example, mail: { ...example.mail, outbound: 'ses' as const } };
    for (const role of ['primary', 'backup'] as const) {
      expect(mailHostSpecFromConfig(config, role).relay).toEqual({ host: sesSmtpRelayHost(example.region), authenticated: true });
    }
    expect(sesSmtpRelayHost('eu-central-1')).toBe(SES);
  });

  it('takes mail.relayHost, logging in only when the config names its credentials', () => {
    const config = { ...example, mail: { ...example.mail, relayHost: '[smtp.example.net]:587' } };
    expect(mailHostSpecFromConfig(config, 'primary').relay).toEqual({ host: '[smtp.example.net]:587', authenticated: false });
    const withLogin = { ...config, mail: { ...config.mail, relayCredentialsSecretArn: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:smarthost-AbCdEf' } };
    expect(mailHostSpecFromConfig(withLogin, 'primary').relay).toEqual({ host: '[smtp.example.net]:587', authenticated: true });
    expect(mailHostSpecFromConfig(example, 'primary').relay).toBeNull();
  });

  it('installs the SASL client mechanisms (PLAIN, LOGIN) on every mail host', () => {
    for (const role of ['primary', 'backup'] as const) {
      expect(mailHostPackages(renderMailHost(mailHostSpecFromConfig(example, role)))).toContain('libsasl2-modules');
    }
  });
});
