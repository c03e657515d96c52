/**
 * postscreen(8) in front of port 25's smtpd on both roles: a client that talks before its turn
 * (most spam bots do, to save time) never reaches an smtpd process, and what passes is
 * remembered, so a good client pays the test's wait once a day. https://www.postfix.org/POSTSCREEN_README.html
 */
import { MasterService } from '../format/postfix-master-cf';
import { PostfixParameters } from '../format/postfix-parameters';
import { peerMailHosts, ResolvedMailHostSpec } from '../spec';

/**
 * Port 25's services: postscreen on the socket (one process for all connections, as Postfix
 * requires), the smtpd it hands good clients to, and tlsproxy, through which postscreen's own SMTP
 * engine speaks STARTTLS to a client it keeps to reject (`postscreen_greet_action = enforce`).
 */
export const POSTSCREEN_SERVICES: readonly MasterService[] = [
  { service: 'smtp', type: 'inet', private: false, maxproc: 1, command: ['postscreen'] },
  { service: 'smtpd', type: 'pass', command: ['smtpd'] },
  { service: 'tlsproxy', type: 'unix', maxproc: 0, command: ['tlsproxy'] },
];

/** Inline cidr_table(5) (Postfix >= 3.7) permitting each address or network. */
const permitCidrs = (cidrs: readonly string[]): string[] => (cidrs.length === 0 ? [] : [`cidr:{ ${cidrs.map((c) => `{ ${c} permit }`).join(', ')} }`]);

/** postscreen's `main.cf` parameters. */
export const postscreenParameters = (spec: ResolvedMailHostSpec): PostfixParameters => ({
  // This host itself, our own networks and the other mail host where its address is known skip
  // every test. postscreen matches addresses only (it runs before any DNS lookup), so a peer known
  // by name alone (EC2) is tested like anyone else: as a real Postfix it waits its turn and passes.
  postscreen_access_list: ['permit_mynetworks', ...permitCidrs([...spec.trustedNetworks, ...peerMailHosts(spec).addresses])],
  // The pregreet test: postscreen sends the first part of a multi-line greeting and listens for
  // postscreen_greet_wait (6 s); a client that speaks in that time is a bot that does not wait for
  // the server. "enforce" lets it go on to RCPT, then answers 550 and logs its sender and
  // recipient (what was attempted), where "ignore" (Postfix's default) would only log.
  postscreen_greet_action: 'enforce',
  // The deep protocol tests (command pipelining, non-SMTP commands, bare newlines) stay off, as in
  // Postfix: a client that passes them cannot be handed to smtpd mid-session, so its first
  // delivery is deferred with 4xx and it must come back. Postgrey already makes every new sender
  // retry once (per client /24, sender and recipient); these tests would add a second retry, per
  // single address: large senders retry from other addresses of their pool and would be deferred
  // again at each one. The bots they catch mostly fail the pregreet test, greylisting or the
  // policy checks already.
  postscreen_pipelining_enable: false,
  postscreen_non_smtp_command_enable: false,
  postscreen_bare_newline_enable: false,
  // No DNS blocklist here either, as in smtpd (see `dnsBlocklists`): Spamhaus answers queries
  // from public or cloud resolvers with 127.255.255.x, which would score every client as listed.
  postscreen_dnsbl_sites: [],
});
