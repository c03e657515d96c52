/**
 * The TLS every listening daemon offers, in one place so Postfix and Dovecot cannot drift apart:
 * TLS 1.2 and 1.3 only, and for TLS 1.2 only forward-secret AEAD suites (ECDHE with AES-GCM or
 * ChaCha20-Poly1305) in the server's order. TLS 1.3's suites are all AEAD; OpenSSL's defaults
 * stand. This is Mozilla's "intermediate" profile without its last CBC-free compromise (DHE,
 * which would need our own parameters): every mail client and MTA of the last ten years speaks it.
 */

/** Lowest protocol offered, in OpenSSL's naming (`TLSv1.2`). */
export const MINIMUM_TLS_PROTOCOL = 'TLSv1.2';

/**
 * TLS 1.2 cipher suites, as an OpenSSL cipher string: ECDHE key exchange (certificate RSA or
 * ECDSA), AES-GCM or ChaCha20-Poly1305, strongest first; never anonymous (`!aNULL`: no
 * certificate means no protection against an active attacker). No CBC suite (LUCKY13).
 */
export const TLS12_CIPHERS = 'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL';
