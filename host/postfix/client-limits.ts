/**
 * anvil(8) limits per SMTP client: how many connections, new connections, messages and AUTH
 * commands one address may have (per minute, `anvil_rate_time_unit`), so a single client can
 * neither hold every smtpd process nor guess passwords or send at full speed. A client over a
 * limit gets 421/450 (it may retry later; nothing is refused for good).
 * https://www.postfix.org/TUNING_README.html#conn_limit
 */
import { PostfixParameters } from '../format/postfix-parameters';
import { peerMailHosts, ResolvedMailHostSpec } from '../spec';

/** Limits on every smtpd (`main.cf`); postscreen takes the connection count from here too. */
export const clientLimitParameters = (spec: ResolvedMailHostSpec): PostfixParameters => {
  const limits = spec.smtpClientLimits;
  const peer = peerMailHosts(spec);
  return {
    // Postfix's default is 50, half its default process limit: ten keep a sender's parallel
    // deliveries (Postfix sends up to 20 at once to one destination, and backs off on 421) and an
    // office's mail programs behind one address.
    smtpd_client_connection_count_limit: limits.connectionCount,
    // Off in Postfix. A mail server opens a few connections a minute to an organisation of our size.
    smtpd_client_connection_rate_limit: limits.connectionRate,
    // Off in Postfix. A message to many of our users is one message with many recipients.
    smtpd_client_message_rate_limit: limits.messageRate,
    // Never limited: this host (its own services on loopback), our own networks and the other mail
    // host, by forward-confirmed name or by address; the backup MX delivers its whole queue at once
    // when the primary comes back.
    smtpd_client_event_limit_exceptions: ['$mynetworks', ...spec.trustedNetworks, ...peer.names, ...peer.addresses],
  };
};

/**
 * AUTH commands one client may send per minute on the submission services (off in Postfix): a
 * password guesser spreads over its connections; our users log in once a session.
 */
export const submissionAuthRateLimit = (spec: ResolvedMailHostSpec): PostfixParameters => ({ smtpd_client_auth_rate_limit: spec.smtpClientLimits.authRate });
