/**
 * SPF checks with policyd-spf (postfix-policyd-spf-python), spawned by Postfix per
 * connection. policyd-spf(1), policyd-spf.conf(5); RFC 7208.
 */
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { IniSettings, renderFlatIni } from '../format/ini';
import { MasterService } from '../format/postfix-master-cf';
import { PolicyService } from '../postfix/extensions';
import { ResolvedMailHostSpec } from '../spec';

/** Path of its configuration on Debian. */
export const POLICYD_SPF_CONF = '/etc/postfix-policyd-spf-python/policyd-spf.conf';
/** master.cf service name. */
export const POLICYD_SPF_SERVICE = 'policyd-spf';

/** The policy service Postfix asks at RCPT time. */
export const spfPolicyService = (): PolicyService => ({ endpoint: `unix:private/${POLICYD_SPF_SERVICE}` });

/** The spawn service (one policyd-spf process per smtpd connection). */
export const spfMasterService = (): MasterService => ({
  service: POLICYD_SPF_SERVICE,
  type: 'unix',
  unprivileged: false,
  maxproc: 0,
  command: ['spawn', 'user=policyd-spf', 'argv=/usr/bin/policyd-spf'],
  overrides: {
    // smtpd keeps a policy connection for reuse; the default spawn limit (1000 s) would kill
    // the process under it ("premature end-of-input" tempfails). policyd-spf README.
    [`${POLICYD_SPF_SERVICE}_time_limit`]: '3600s',
  },
});

/** Addresses whose mail is not SPF-checked: this host and our networks (the backup MX never gets here: see main.cf). */
export const spfSkipAddresses = (spec: ResolvedMailHostSpec): string[] => ['127.0.0.0/8', '::ffff:127.0.0.0/104', '::1', ...spec.trustedNetworks];

/** policyd-spf.conf settings. */
export const spfSettings = (spec: ResolvedMailHostSpec): IniSettings => {
  const reject = spec.spf.hardFail === 'reject';
  return {
    debugLevel: 1,
    // 1 is normal operation (0 only logs and adds headers).
    TestOnly: 1,
    // `Fail` rejects only on a hard fail (-all), the sender domain's own instruction;
    // `False` only adds a Received-SPF header.
    HELO_reject: reject ? 'Fail' : 'False',
    Mail_From_reject: reject ? 'Fail' : 'False',
    PermError_reject: 'False',
    // A DNS timeout is not the sender's fault: accept rather than defer.
    TempError_Defer: 'False',
    skip_addresses: spfSkipAddresses(spec),
  };
};

/** The configuration file. */
export const renderSpf = (spec: ResolvedMailHostSpec): RenderedFile[] => [
  {
    path: POLICYD_SPF_CONF,
    content: withHeader('#', 'host/spf/index.ts', renderFlatIni(spfSettings(spec))),
    mode: '0644',
    owner: 'root',
    group: 'root',
  },
];

/** policyd-spf: SPF checks, a policy service of port 25 spawned by Postfix (no unit of its own). */
export const spfDaemon: MailDaemon = {
  name: 'policyd-spf',
  layer: 'filter',
  enabled: (spec) => spec.spf.enabled,
  packages: () => ['postfix-policyd-spf-python'],
  files: renderSpf,
  units: () => [],
  // Spawned by Postfix per connection, it reads its file each time.
  unitOfPath: [{ prefix: '/etc/postfix-policyd-spf-python/', unit: null }],
  postfix: () => ({ policyServices: [{ service: spfPolicyService(), verdict: 'final' }], masterServices: [spfMasterService()] }),
};
