/**
 * The secret-file writer of the real `mirovoy-provision`, run by bash against a fake seam in a
 * temporary folder: the function definitions of the rendered script, with test settings in
 * place of the generated ones (paths under the folder, owner = whoever runs the test).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMailHost } from '../../host';
import { renderProvisionCommand, SECRET_FILE_COLUMNS } from '../../host/provision';
import { RUNTIME_SETTINGS } from '../../host/provision/runtime-seam';
import { DATABASE_SECRET_VALUE } from '../../host/secrets';
import { renderShellAssignments, shellTable } from '../../host/format/shell';
import { primarySpec } from './fixtures';

const script = renderProvisionCommand(renderMailHost(primarySpec)).content;
/** Everything from `set -euo pipefail` to the first statement of the main part: settings, then functions. */
const functions = script.slice(script.indexOf('set -euo pipefail'), script.indexOf('[[ $(id -u) == 0 ]]'));

const owner = userInfo().username;
const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mirovoy-provision-test-'));
  mkdirSync(join(dir, 'secrets'));
  // A seam like the rehearsal's: secrets are JSON files, `secret <name> <field>` prints a field.
  writeFileSync(
    join(dir, 'fetch'),
    `#!/bin/bash\nset -euo pipefail\nf=${dir}/secrets/$2\n[[ -f $f ]] || { echo "no secret $2" >&2; exit 1; }\n` +
      `python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]], end="")' "$f" "$3"\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(dir, 'template.cf'), 'dbname = maildb\nuser = mirovoy_lookup\nquery = SELECT 1\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const secret = (name: string, value: object) => writeFileSync(join(dir, 'secrets', name), JSON.stringify(value));

/** Runs `write_secret_files [formats]` of the real script; returns its exit code and output. */
const writeSecretFiles = (entries: readonly string[], dbHost = 'mail-db.abc123.eu-central-1.rds.amazonaws.com', formats = '') => {
  const settings = renderShellAssignments({
    FETCH: join(dir, 'fetch'),
    PRIVATE_DIRECTORY: join(dir, 'private'),
    PRIVATE_DIRECTORY_MODE: '0711',
    SECRET_VALUE: DATABASE_SECRET_VALUE.source,
    DB_PORT: '3306',
    // Each entry written as its row, "<format> <path> <mode> <owner> <group> <secret> <units> [<template>]".
    ...shellTable(
      'SECRET_FILE',
      SECRET_FILE_COLUMNS,
      entries.map((e) => {
        const cells = e.replace(/\bOWNER\b/g, owner).replace(/\bGROUP\b/g, group).replace(/\bDIR\b/g, dir).split(' ');
        return Object.fromEntries(SECRET_FILE_COLUMNS.map((column, i) => [column, cells[i] ?? ''])) as Record<(typeof SECRET_FILE_COLUMNS)[number], string>;
      }),
    ),
  });
  const body = `${settings}${functions.replace(/^readonly [A-Z_]+=.*\n/gm, '')}DB_HOST=${dbHost}\nwrite_secret_files ${formats ? `'${formats}'` : ''}\n`;
  const result = spawnSync('bash', ['-c', body], { encoding: 'utf8' });
  return { code: result.status, output: result.stdout + result.stderr };
};

describe('mirovoy-provision secret files', () => {
  it('fetches the database host once from the seam and checks it is a host name', () => {
    expect(script).toContain(`"$FETCH" setting ${RUNTIME_SETTINGS.databaseHost}`);
    expect(script.match(/setting database-host\)/g)).toHaveLength(1);
  });

  it('writes the database host into every option file and map, with the password', () => {
    secret('db-lookup', { username: 'mirovoy_lookup', password: 'lookup-Pass_1' });
    const result = writeSecretFiles([
      'mysql-option-file DIR/private/lookup.cnf 0640 OWNER GROUP db-lookup -',
      'postfix-mysql-map DIR/maps/virtual.cf 0640 OWNER GROUP db-lookup postfix DIR/template.cf',
    ]);
    expect(result).toEqual({ code: 0, output: expect.stringContaining('updated') });
    expect(readFileSync(join(dir, 'private/lookup.cnf'), 'utf8')).toBe(
      '[client]\nhost = mail-db.abc123.eu-central-1.rds.amazonaws.com\npassword = lookup-Pass_1\n',
    );
    expect(readFileSync(join(dir, 'maps/virtual.cf'), 'utf8')).toBe(
      'dbname = maildb\nuser = mirovoy_lookup\nquery = SELECT 1\nhosts = inet:mail-db.abc123.eu-central-1.rds.amazonaws.com:3306\npassword = lookup-Pass_1\n',
    );
    expect(statSync(join(dir, 'private/lookup.cnf')).mode & 0o777).toBe(0o640);
  });

  it('changes nothing on a second run', () => {
    secret('db-lookup', { username: 'mirovoy_lookup', password: 'lookup-Pass_1' });
    const entries = ['mysql-option-file DIR/private/lookup.cnf 0640 OWNER GROUP db-lookup -'];
    writeSecretFiles(entries);
    expect(writeSecretFiles(entries)).toEqual({ code: 0, output: '' });
  });

  it('refuses a service password outside the safe alphabet, naming the secret', () => {
    secret('db-lookup', { username: 'mirovoy_lookup', password: 'has#hash' });
    const result = writeSecretFiles(['mysql-option-file DIR/private/lookup.cnf 0640 OWNER GROUP db-lookup -']);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/secret db-lookup \(password\) has characters outside/);
  });
});

describe('mirovoy-provision certificate files', () => {
  /** A self-signed certificate and its key (EC, as the rehearsal's test CA issues), valid for 30 days. */
  const certificate = (name: string) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-days', '30',
      '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`)], { stdio: 'ignore' });
    return { certificate_chain: readFileSync(join(dir, `${name}.pem`), 'utf8'), private_key: readFileSync(join(dir, `${name}.key`), 'utf8') };
  };
  /** A self-signed certificate that expired in 2020 (OpenSSL 3.0's `req` takes no past dates; `ca` does). */
  const expiredCertificate = () => {
    writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n');
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=expired', '-keyout', 'expired.key', '-out', 'expired.csr']);
    run(['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'expired.key', '-in', 'expired.csr', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-notext', '-out', 'expired.pem']);
    return { certificate_chain: readFileSync(join(dir, 'expired.pem'), 'utf8'), private_key: readFileSync(join(dir, 'expired.key'), 'utf8') };
  };
  const TLS_ENTRIES = [
    'certificate-chain DIR/tls/chain.pem 0644 OWNER GROUP tls:certificate_chain postfix,dovecot',
    'private-key DIR/tls/key.pem 0600 OWNER GROUP tls:private_key postfix,dovecot',
    'pem-field DIR/tls/database-ca.pem 0644 OWNER GROUP db-ca:certificate postfix,dovecot',
  ];
  const refresh = () => writeSecretFiles(TLS_ENTRIES, 'unused', 'certificate-chain private-key');
  const installed = () => [readFileSync(join(dir, 'tls/chain.pem'), 'utf8'), readFileSync(join(dir, 'tls/key.pem'), 'utf8')];

  beforeEach(() => {
    secret('tls', certificate('mx1.example.com'));
    expect(refresh()).toMatchObject({ code: 0 });
  });

  it('with a format list, writes only those entries (the TLS chain and key), and nothing when unchanged', () => {
    expect(installed()).toEqual([expect.stringContaining('BEGIN CERTIFICATE'), expect.stringContaining('PRIVATE KEY')]);
    expect(() => statSync(join(dir, 'tls/database-ca.pem'))).toThrow();
    expect(statSync(join(dir, 'tls/key.pem')).mode & 0o777).toBe(0o600);
    expect(refresh()).toEqual({ code: 0, output: '' });
  });

  it('installs a renewed certificate and key together', () => {
    const renewed = certificate('renewed');
    secret('tls', renewed);
    const result = refresh();
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/updated .*chain\.pem[\s\S]*updated .*key\.pem/);
    expect(installed()).toEqual([renewed.certificate_chain, renewed.private_key]);
  });

  it.each([
    ['a key of another certificate', () => ({ ...certificate('renewed'), private_key: certificate('other').private_key }), /the private key does not belong to the certificate/],
    ['a chain that is not PEM', () => ({ ...certificate('renewed'), certificate_chain: 'not a certificate' }), /secret tls \(certificate_chain\) is not PEM/],
    ['a key that is not a key', () => ({ ...certificate('renewed'), private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }), /the private key is not a private key/],
    ['an expired certificate', expiredCertificate, /the certificate has expired/],
  ])('refuses %s and leaves the installed files alone', (_, bad, message) => {
    const before = installed();
    secret('tls', bad());
    const result = refresh();
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(message);
    expect(result.output).toMatch(/nothing was installed/);
    expect(installed()).toEqual(before);
  });
});
