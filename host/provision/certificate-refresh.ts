/**
 * Certificate refresh on the host: Terraform renews the mail certificate (ACME,
 * `min_days_remaining`) and writes it to the `tls` secret; a daily timer on each mail host runs
 * `mirovoy-provision --certificates`, which installs the chain and key only when they changed and
 * passed their checks, and then reloads — never restarts — the daemons serving them.
 */
import { generatedHeader, RenderedFile } from '../files';
import { renderIniSections } from '../format/ini';

/** Name of the service and timer units. */
export const CERTIFICATE_REFRESH_UNIT = 'mirovoy-certificates';
/** The timer unit, enabled and started by the provision step. */
export const CERTIFICATE_REFRESH_TIMER = `${CERTIFICATE_REFRESH_UNIT}.timer`;

const unitFile = (name: string, sections: Parameters<typeof renderIniSections>[0]): RenderedFile => ({
  path: `/etc/systemd/system/${name}`,
  content: `${generatedHeader('#', 'host/provision/certificate-refresh.ts')}${renderIniSections(sections)}`,
  mode: '0644',
  owner: 'root',
  group: 'root',
});

/** The oneshot service and its daily timer, for a host whose provision command is `provisionCommand`. */
export const renderCertificateRefreshUnits = (provisionCommand: string): RenderedFile[] => [
  unitFile(`${CERTIFICATE_REFRESH_UNIT}.service`, {
    Unit: {
      Description: 'Install a renewed mail TLS certificate and reload the mail daemons',
      // The seam reads the metadata service and Secrets Manager.
      Wants: 'network-online.target',
      After: 'network-online.target',
    },
    Service: { Type: 'oneshot', ExecStart: `${provisionCommand} --certificates` },
  }),
  unitFile(CERTIFICATE_REFRESH_TIMER, {
    Unit: { Description: 'Daily check for a renewed mail TLS certificate' },
    Timer: {
      OnCalendar: 'daily',
      // Hosts of one installation do not all ask Secrets Manager at midnight.
      RandomizedDelaySec: '1h',
      // A check missed while the host was off runs at the next boot.
      Persistent: true,
    },
    Install: { WantedBy: 'timers.target' },
  }),
];
