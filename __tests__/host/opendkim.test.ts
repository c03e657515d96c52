import { generateKeyPairSync } from 'node:crypto';
import { dkimKeyFiles, dkimPublicKeyBase64, opendkimSettings, postfixMainParameters, postfixExtensionsFor, renderMailHost, resolveMailHostSpec } from '../../host';
import { dkimTxtValue } from '../../host/dns/mail-records';
import { renderProvisionCommand, SECRET_FILE_COLUMNS } from '../../host/provision';
import { shellTableRows } from '../support/shell-table';
import { backupSpec, primarySpec, fileOf } from './fixtures';

const twoDomains = { ...primarySpec, mailDomains: ['example.com', 'example.org'], trustedNetworks: ['10.0.0.0/16'] };

describe('OpenDKIM', () => {
  it('signs and verifies on loopback, as a milter that never stops mail', () => {
    const spec = resolveMailHostSpec(primarySpec);
    expect(opendkimSettings(spec)).toMatchObject({ Mode: 'sv', Socket: 'inet:8891@127.0.0.1' });
    const main = postfixMainParameters(spec, postfixExtensionsFor(spec));
    expect(main.smtpd_milters).toEqual(['inet:127.0.0.1:8891']);
    expect(main.non_smtpd_milters).toEqual(['inet:127.0.0.1:8891']);
    expect(main.milter_default_action).toBe('accept');
  });

  it('has a signing entry per hosted domain naming its key by the domain; the key table (with the selector) is written at run time', () => {
    const spec = { ...twoDomains, dkim: { selector: 's2025' } };
    expect(fileOf(spec, '/etc/opendkim/signing.table')).toContain('*@example.com example.com\n*@example.org example.org\n');
    expect(renderMailHost(spec).files.map((f) => f.path)).not.toContain('/etc/opendkim/key.table');
    const script = renderProvisionCommand(renderMailHost(spec)).content;
    expect(shellTableRows(script, 'SECRET_FILE', SECRET_FILE_COLUMNS)).toContain('dkim-key /etc/mirovoy/private/dkim-example.org.pem 0600 opendkim opendkim dkim-example-org opendkim example.org:s2025');
    expect(script).toContain("readonly DKIM_KEY_TABLE='/etc/opendkim/key.table'");
    expect(fileOf(twoDomains, '/etc/opendkim.conf')).toMatch(/^InternalHosts 127\.0\.0\.1, ::1, 10\.0\.0\.0\/16$/m);
  });

  it('lists the key files the provision step writes from secrets dkim-<domain>, owned by opendkim only', () => {
    expect(renderMailHost(twoDomains).dkimKeyFiles).toEqual([
      { path: '/etc/mirovoy/private/dkim-example.com.pem', mode: '0600', owner: 'opendkim', group: 'opendkim', domain: 'example.com', selector: 'mail' },
      { path: '/etc/mirovoy/private/dkim-example.org.pem', mode: '0600', owner: 'opendkim', group: 'opendkim', domain: 'example.org', selector: 'mail' },
    ]);
    expect(dkimKeyFiles(resolveMailHostSpec(backupSpec))).toEqual([]);
  });

  it('computes the DNS public key from a PEM private or public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fromPrivate = dkimPublicKeyBase64(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const fromPublic = dkimPublicKeyBase64(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(fromPrivate).toBe(fromPublic);
    expect(fromPrivate).toBe(publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));
    expect(dkimTxtValue(fromPrivate)).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjAN/);
  });

  it('is off on the backup MX', () => {
    const spec = resolveMailHostSpec(backupSpec);
    expect(postfixMainParameters(spec, postfixExtensionsFor(spec)).smtpd_milters).toBeNull();
  });
});
