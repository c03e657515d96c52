/**
 * Debian's testssl.sh (3.0.8, installed by rehearsal/host-tools.sh) against a port of a rehearsal
 * host, run from the client's network namespace: what a scanner on the internet would find.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailRehearsal } from '../../rehearsal/mail-system';

/** One line of testssl's flat JSON report. */
export interface TlsFinding {
  readonly id: string;
  readonly severity: 'OK' | 'INFO' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'WARN' | 'DEBUG';
  readonly finding: string;
}

/**
 * Findings the rehearsal's throw-away test CA causes, not the server's TLS: a root no client
 * trusts, a short lifetime, no OCSP or CRL address.
 */
export const TEST_CA_FINDINGS: readonly string[] = ['cert_chain_of_trust', 'cert_expirationStatus', 'cert_notAfter', 'cert_validityPeriod', 'cert_revocation', 'cert_ocspURL', 'cert_crlDistributionPoints'];

/** Severities that fail a host. */
const FAILING: readonly TlsFinding['severity'][] = ['MEDIUM', 'HIGH', 'CRITICAL'];

/**
 * Protocols, cipher categories, forward secrecy, server preferences, certificate and
 * vulnerabilities (`-p -s -f -P -S -U`; client simulation is left out: minutes of handshakes
 * that find nothing the others miss). Without DNS: the rehearsal's names are not in the client's.
 */
export const testssl = async (mail: MailRehearsal, address: string, port: number, starttls?: 'smtp' | 'imap'): Promise<TlsFinding[]> => {
  const directory = mkdtempSync(join(tmpdir(), 'mirovoy-testssl-'));
  try {
    const report = join(directory, `${port}.json`);
    const argv = ['testssl', '--quiet', '--color', '0', '--warnings', 'off', '--nodns', 'none', '-p', '-s', '-f', '-P', '-S', '-U'];
    await mail.rehearsal.exec('client', [...argv, ...(starttls ? ['--starttls', starttls] : []), '--jsonfile', report, `${address}:${port}`], { allowFailure: true, timeoutMs: 600_000 });
    return (JSON.parse(readFileSync(report, 'utf8')) as TlsFinding[]).map(({ id, severity, finding }) => ({ id, severity, finding }));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
};

/** The findings that fail a host: MEDIUM or worse, except the test CA's. */
export const failingFindings = (findings: readonly TlsFinding[]): TlsFinding[] => findings.filter((f) => FAILING.includes(f.severity) && !TEST_CA_FINDINGS.includes(f.id));
