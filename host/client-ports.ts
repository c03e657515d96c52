/**
 * The ports mail clients connect to on the primary: one source for the listeners Dovecot and
 * Postfix open, the ports the host waits for before it reports ready, the RFC 6186 SRV records and
 * the client autoconfiguration files (host/web/autoconfig.ts), so a client is never told a port
 * the host does not open.
 */

/** IMAP over implicit TLS (RFC 8314), always open on the primary. */
export const IMAPS_PORT = 993;
/** IMAP with STARTTLS, open only when `imapStartTls` is on. */
export const IMAP_STARTTLS_PORT = 143;
/** Message submission with STARTTLS (RFC 6409), Postfix's `submission` service in master.cf. */
export const SUBMISSION_PORT = 587;
/** Message submission over implicit TLS (RFC 8314), Postfix's `submissions` service in master.cf. */
export const SUBMISSIONS_PORT = 465;
/** ManageSieve (RFC 5804), STARTTLS before authentication; open when Sieve is on. */
export const MANAGESIEVE_PORT = 4190;
