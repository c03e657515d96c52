/**
 * Issue 12 item 6: brute force spread over many addresses was never slowed. postscreen on port 25,
 * anvil limits per SMTP client, Dovecot's failed-login delay, and fail2ban trusting only our hosts.
 */
import { DOVECOT_AUTH_FAILURE_DELAY_SECONDS, dovecotConfig, fail2banSettings, postfixMainParameters, postfixMasterServices, resolveMailHostSpec } from '../../host';
import { fileOf, backupSpec, primarySpec } from './fixtures';

const withPeers = { ...primarySpec, trustedNetworks: ['10.0.0.0/16'], backupMx: { hostname: 'mx2.example.com', addresses: ['203.0.113.7'] } };

describe('postscreen on port 25', () => {
  it.each([
    ['primary', primarySpec],
    ['backup MX', backupSpec],
  ] as const)('stands in front of smtpd on the %s, with tlsproxy for its own STARTTLS', (_, spec) => {
    const services = postfixMasterServices(resolveMailHostSpec(spec));
    expect(services.filter((s) => s.service === 'smtp' && s.type === 'inet')).toEqual([{ service: 'smtp', type: 'inet', private: false, maxproc: 1, command: ['postscreen'] }]);
    expect(services.find((s) => s.service === 'smtpd')).toMatchObject({ type: 'pass', command: ['smtpd'] });
    expect(services.find((s) => s.service === 'tlsproxy')).toMatchObject({ type: 'unix', command: ['tlsproxy'] });
    expect(fileOf(spec, '/etc/postfix/master.cf')).toMatch(/^smtp +inet +n +- +- +- +1 +postscreen$/m);
  });

  it('enforces the pregreet test; deep protocol tests and DNS blocklists stay off', () => {
    const main = postfixMainParameters(resolveMailHostSpec(primarySpec));
    expect(main).toMatchObject({
      postscreen_greet_action: 'enforce',
      postscreen_pipelining_enable: false,
      postscreen_non_smtp_command_enable: false,
      postscreen_bare_newline_enable: false,
      postscreen_dnsbl_sites: [],
    });
  });

  it('lets this host, our networks and the backup MX by address skip the tests (postscreen matches no names)', () => {
    expect(postfixMainParameters(resolveMailHostSpec(withPeers)).postscreen_access_list).toEqual(['permit_mynetworks', 'cidr:{ { 10.0.0.0/16 permit }, { 203.0.113.7 permit } }']);
    expect(postfixMainParameters(resolveMailHostSpec(backupSpec)).postscreen_access_list).toEqual(['permit_mynetworks']);
  });
});

describe('anvil limits per SMTP client', () => {
  it('limits connections, their rate and messages on every smtpd, exempting our own hosts by address and forward-confirmed name', () => {
    expect(postfixMainParameters(resolveMailHostSpec(withPeers))).toMatchObject({
      smtpd_client_connection_count_limit: 10,
      smtpd_client_connection_rate_limit: 60,
      smtpd_client_message_rate_limit: 100,
      smtpd_client_event_limit_exceptions: ['$mynetworks', '10.0.0.0/16', 'mx2.example.com', '203.0.113.7'],
    });
    // The backup MX exempts the primary, by name (its address is made after rendering on EC2).
    expect(postfixMainParameters(resolveMailHostSpec(backupSpec)).smtpd_client_event_limit_exceptions).toEqual(['$mynetworks', 'mx1.example.com']);
  });

  it('limits AUTH commands on 587 and 465 only', () => {
    const services = postfixMasterServices(resolveMailHostSpec({ ...primarySpec, smtpClientLimits: { authRate: 12 } }));
    for (const name of ['submission', 'submissions']) expect(services.find((s) => s.service === name)?.overrides).toMatchObject({ smtpd_client_auth_rate_limit: 12 });
    expect(postfixMainParameters(resolveMailHostSpec(primarySpec))).not.toHaveProperty('smtpd_client_auth_rate_limit');
  });

  it('takes other limits, 0 for off, and refuses what Postfix would not read', () => {
    const main = postfixMainParameters(resolveMailHostSpec({ ...primarySpec, smtpClientLimits: { connectionCount: 0, messageRate: 1000 } }));
    expect(main).toMatchObject({ smtpd_client_connection_count_limit: 0, smtpd_client_connection_rate_limit: 60, smtpd_client_message_rate_limit: 1000 });
    expect(() => resolveMailHostSpec({ ...primarySpec, smtpClientLimits: { connectionRate: -1, authRate: 2.5 } })).toThrow(/smtpClientLimits\.connectionRate.*\n?.*smtpClientLimits\.authRate|smtpClientLimits\.authRate.*smtpClientLimits\.connectionRate/s);
  });
});

describe("Dovecot's failed-login delay", () => {
  it('answers every failed login after 5 s, under Postfix\'s 10 s SASL timeout', () => {
    expect(DOVECOT_AUTH_FAILURE_DELAY_SECONDS).toBeLessThan(10);
    expect(dovecotConfig(resolveMailHostSpec(primarySpec)).auth_failure_delay).toBe(`${DOVECOT_AUTH_FAILURE_DELAY_SECONDS} secs`);
    expect(fileOf(primarySpec, '/etc/dovecot/dovecot.conf')).toMatch(/^auth_failure_delay = 5 secs$/m);
  });
});

describe('fail2ban trusts only our own hosts', () => {
  it('ignores localhost and the other mail host (by name and known address), not the trusted networks', () => {
    expect(fail2banSettings(resolveMailHostSpec(withPeers)).DEFAULT.ignoreip).toEqual(['127.0.0.1/8', '::1', 'mx2.example.com', '203.0.113.7']);
    expect(fail2banSettings(resolveMailHostSpec({ ...backupSpec, trustedNetworks: ['10.0.0.0/16'] })).DEFAULT.ignoreip).toEqual(['127.0.0.1/8', '::1', 'mx1.example.com']);
  });

  it('adds the addresses an operator lists', () => {
    expect(fail2banSettings(resolveMailHostSpec({ ...primarySpec, fail2ban: { ignoreAddresses: ['198.51.100.0/28'] } })).DEFAULT.ignoreip).toEqual(['127.0.0.1/8', '::1', '198.51.100.0/28']);
  });
});
