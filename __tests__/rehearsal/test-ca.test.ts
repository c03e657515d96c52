import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa, TestCa } from '../../rehearsal/test-ca';

describe('rehearsal test CA', () => {
  let ca: TestCa;
  let dir: string;
  beforeAll(async () => {
    ca = await createTestCa();
    dir = mkdtempSync(join(tmpdir(), 'ca-test-'));
  });
  afterAll(() => {
    ca.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues a leaf whose chain verifies against the root for its names only', async () => {
    const cert = await ca.issue(['mx1.example.test'], ['10.203.0.10']);
    const [leaf, intermediate] = cert.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
    writeFileSync(join(dir, 'root.pem'), ca.rootPem);
    writeFileSync(join(dir, 'intermediate.pem'), intermediate);
    writeFileSync(join(dir, 'leaf.pem'), leaf);
    const verify = (name: string) =>
      execFileSync('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', 'intermediate.pem', '-verify_hostname', name, 'leaf.pem'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    expect(verify('mx1.example.test')).toContain('leaf.pem: OK');
    expect(() => verify('mx2.example.test')).toThrow(/hostname mismatch/);
    expect(intermediate).toBe(ca.intermediatePem);
    expect(cert.keyPem).toContain('PRIVATE KEY');
  });

  // Regression: with -CAcreateserial, certificates issued at once (both MXes at boot) raced on the
  // serial file ("Unable to load number from intermediate.srl").
  it('issues several certificates at once, each with its own serial and the lifetime asked for', async () => {
    const certs = await Promise.all([ca.issue(['mx1.example.test']), ca.issue(['mx2.example.test']), ca.issue(['mx3.example.test'], [], 2)]);
    const field = (pem: string, option: string) => execFileSync('openssl', ['x509', '-noout', option], { input: pem, encoding: 'utf8' }).trim();
    expect(new Set(certs.map((c) => field(c.chainPem, '-serial'))).size).toBe(3);
    const daysLeft = (pem: string) => (Date.parse(field(pem, '-enddate').replace('notAfter=', '')) - Date.now()) / 86_400_000;
    expect(daysLeft(certs[0].chainPem)).toBeCloseTo(30, 0);
    expect(daysLeft(certs[2].chainPem)).toBeCloseTo(2, 0);
  });
});
