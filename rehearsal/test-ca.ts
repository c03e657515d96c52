/**
 * A throw-away certificate authority for the rehearsal: root → intermediate → one leaf per host.
 * The leaf plus intermediate is the chain a host serves, exactly as a Let's Encrypt chain is on
 * EC2; the root is what clients trust.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './command';

/** A host certificate as the secrets seam delivers it. */
export interface HostCertificate {
  /** PEM: the leaf certificate followed by the intermediate. */
  readonly chainPem: string;
  /** PEM private key of the leaf. */
  readonly keyPem: string;
}

/** The test CA: its root certificate, and a way to issue host certificates. */
export interface TestCa {
  /** PEM root certificate that clients trust. */
  readonly rootPem: string;
  /** PEM intermediate certificate (part of every served chain). */
  readonly intermediatePem: string;
  /**
   * Issues a certificate for the names (DNS) and addresses (IP) of one host, valid from now for
   * `days` (default 30; a short one is a renewal that is overdue).
   */
  issue(names: readonly string[], addresses?: readonly string[], days?: number): Promise<HostCertificate>;
  /** Deletes the CA's keys. */
  dispose(): void;
}

const openssl = (args: string[], cwd: string) => run(['openssl', ...args], { cwd });

/** Makes a new two-level CA in a private temporary folder. */
export async function createTestCa(): Promise<TestCa> {
  const dir = mkdtempSync(join(tmpdir(), 'mirovoy-test-ca-'));
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const key = (file: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], dir);
  const caExtensions = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';

  await key('root.key');
  await openssl(['req', '-x509', '-new', '-key', 'root.key', '-subj', '/CN=Mirovoy Rehearsal Root CA', '-days', '30', '-out', 'root.pem', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await key('intermediate.key');
  await openssl(['req', '-new', '-key', 'intermediate.key', '-subj', '/CN=Mirovoy Rehearsal Intermediate CA', '-out', 'intermediate.csr'], dir);
  writeFileSync(join(dir, 'intermediate.ext'), caExtensions);
  await openssl(['x509', '-req', '-in', 'intermediate.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '30', '-extfile', 'intermediate.ext', '-out', 'intermediate.pem'], dir);

  let serial = 0;
  return {
    rootPem: read('root.pem'),
    intermediatePem: read('intermediate.pem'),
    async issue(names, addresses = [], days = 30) {
      const base = `leaf-${++serial}`;
      await key(`${base}.key`);
      await openssl(['req', '-new', '-key', `${base}.key`, '-subj', `/CN=${names[0]}`, '-out', `${base}.csr`], dir);
      const altNames = [...names.map((n) => `DNS:${n}`), ...addresses.map((a) => `IP:${a}`)].join(',');
      writeFileSync(join(dir, `${base}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${altNames}\n`);
      // A random serial, not -CAcreateserial: concurrent issues raced on its serial file ("Unable to load number from intermediate.srl").
      await openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', 'intermediate.pem', '-CAkey', 'intermediate.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', String(days), '-extfile', `${base}.ext`, '-out', `${base}.pem`], dir);
      return { chainPem: read(`${base}.pem`) + read('intermediate.pem'), keyPem: read(`${base}.key`) };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
