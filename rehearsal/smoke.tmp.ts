import { Rehearsal } from './rehearsal';
const userData = `#cloud-config
fqdn: mx.example.test
manage_etc_hosts: true
package_update: true
packages: [postfix]
`;
(async () => {
  const t = Date.now();
  const r = await Rehearsal.start({ hosts: [{ name: 'mx', fqdn: 'mx.example.test', ip: '10.203.0.10', userData }], clients: [{ name: 'client' }],
    dnsRecords: [{ type: 'A', name: 'mx.example.test', value: '10.203.0.10' }, { type: 'MX', name: 'example.test', value: 'mx.example.test', priority: 10 }] });
  try {
    console.log(r.bootReport('mx'));
    console.log((await r.host('mx').exec(['postconf', '-h', 'mail_version'])).stdout);
    console.log((await r.exec('client', ['swaks', '-s', '10.203.0.10', '--helo', 'client.test', '-q', 'HELO'], { allowFailure: true })).stdout);
    console.log((await r.host('mx').exec(['ip', 'route'])).stdout);
    console.log((await r.host('mx').exec(['getent', 'hosts', 'mx.example.test'], {allowFailure: true})).stdout);
    console.log((await r.host('mx').exec(['cat', '/etc/apt/sources.list.d/rehearsal.list'])).stdout);
    await r.host('mx').exec(['sh','-c','echo hi']);
    const log = r.host('mx').consoleLog; setTimeout(() => {}, 0);
    (globalThis as any).log = log;
  } finally { const c = r.host('mx'); await c.stop(); require('fs').copyFileSync(c.consoleLog, '/tmp/console.log'); await r.stop(); console.log('total', (Date.now() - t) / 1000); }
})();
