/**
 * The Postfix side of the Amavis content filter: the `smtp-amavis` delivery transport and
 * the re-injection listener. Postfix FILTER_README ("advanced content filter") and
 * amavisd-new's README.postfix. https://www.postfix.org/FILTER_README.html
 */
import { MasterService } from '../format/postfix-master-cf';
import { ContentFilter } from '../postfix/extensions';
import { ResolvedMailHostSpec } from '../spec';
import { AMAVIS_PORTS } from './amavis-conf';

/** master.cf transport that delivers to Amavis. */
export const AMAVIS_TRANSPORT = 'smtp-amavis';

/** `content_filter` values: port 25 mail to the inbound port, submission to ORIGINATING. */
export const amavisContentFilter = (): ContentFilter => ({
  nexthop: `${AMAVIS_TRANSPORT}:[127.0.0.1]:${AMAVIS_PORTS.inbound}`,
  submissionNexthop: `${AMAVIS_TRANSPORT}:[127.0.0.1]:${AMAVIS_PORTS.originating}`,
});

/** The two master.cf services. */
export const amavisMasterServices = (spec: ResolvedMailHostSpec): MasterService[] => [
  {
    service: AMAVIS_TRANSPORT,
    type: 'unix',
    // One connection per Amavis child: more would only wait in Amavis' listen queue.
    maxproc: spec.amavis.maxServers,
    command: ['smtp'],
    overrides: {
      syslog_name: 'postfix/amavis',
      // Amavis answers after scanning the whole message (SpamAssassin can take minutes).
      smtp_data_done_timeout: '1200s',
      // Pass the original client name/address/HELO so Amavis logs and policy see them.
      smtp_send_xforward_command: true,
      // The next hop is a literal address; no DNS, no TLS on loopback.
      smtp_dns_support_level: 'disabled',
      smtp_tls_security_level: 'none',
      max_use: 20,
    },
  },
  {
    service: `127.0.0.1:${AMAVIS_PORTS.reinjection}`,
    type: 'inet',
    private: false,
    command: ['smtpd'],
    overrides: {
      syslog_name: 'postfix/reinject',
      // Scanned mail must not loop back into the filter.
      content_filter: '',
      // Only Amavis on this host may inject; every check already ran on the way in.
      mynetworks: '127.0.0.0/8',
      smtpd_client_restrictions: ['permit_mynetworks', 'reject'],
      smtpd_helo_restrictions: '',
      smtpd_sender_restrictions: '',
      smtpd_relay_restrictions: ['permit_mynetworks', 'reject'],
      smtpd_recipient_restrictions: ['permit_mynetworks', 'reject'],
      smtpd_data_restrictions: 'reject_unauth_pipelining',
      smtpd_authorized_xforward_hosts: '127.0.0.0/8',
      smtpd_tls_security_level: 'none',
      smtpd_error_sleep_time: 0,
      smtpd_soft_error_limit: 1001,
      smtpd_hard_error_limit: 1000,
      smtpd_client_connection_count_limit: 0,
      smtpd_client_connection_rate_limit: 0,
      // No second recipient lookup, no header checks, and no milters: OpenDKIM already
      // verified or signed the message on its way in, and must not sign it twice.
      receive_override_options: ['no_unknown_recipient_checks', 'no_header_body_checks', 'no_milters'],
    },
  },
];
