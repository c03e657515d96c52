/**
 * Pure host renderers: a `MailHostSpec` in, the files of a mail host out.
 * No Terraform, no AWS, no secrets (see `secrets.ts` for the files written at run time).
 */
import { GroupMembership, ServiceCheck } from './daemon';
import { ofLayer, RenderedDaemon, renderDaemons } from './daemons';
import { RenderedFile } from './files';
import { DkimKeyFile, dkimKeyFiles } from './opendkim';
import { SecretFile, secretFilesFor } from './secrets';
import { MailHostSpec, resolveMailHostSpec, ResolvedMailHostSpec } from './spec';

export * from './admin';
export * from './amavis';
export * from './daemon';
export * from './daemons';
export * from './dovecot';
export * from './fail2ban';
export * from './files';
export * from './from-check';
export * from './mysql';
export * from './opendkim';
export * from './postfix';
export * from './postgrey';
export * from './spf';
export * from './secrets';
export * from './spec';
export * from './status';

/** The system account owning all mailboxes; the provision step creates it. */
export interface VmailAccount {
  readonly user: 'vmail';
  readonly group: 'vmail';
  readonly uid: number;
  readonly gid: number;
  /** Mailbox root, created owned by vmail:vmail, mode 0750. */
  readonly home: string;
}

/** Everything the provision step needs to configure a mail host. */
export interface MailHostRendering {
  readonly spec: ResolvedMailHostSpec;
  /** Files to write, in order. */
  readonly files: readonly RenderedFile[];
  /** Files to write at run time from secrets, before starting any daemon. */
  readonly secretFiles: readonly SecretFile[];
  readonly vmail: VmailAccount;
  /** DKIM private keys to write at run time (secret `dkim-<domain>`, field `private_key`, PEM). */
  readonly dkimKeyFiles: readonly DkimKeyFile[];
  /** The enabled daemons with their facts, in the order of `MAIL_DAEMONS`; the fields below are the filter layer's. */
  readonly daemons: readonly RenderedDaemon[];
  /** Debian packages of the filtering/signing/protection layer (besides Postfix and Dovecot). */
  readonly packages: readonly string[];
  /** Units of that layer to enable and (re)start, in order, before Postfix. */
  readonly units: readonly string[];
  /** Units installed as recommendations that must be stopped and disabled. */
  readonly unwantedUnits: readonly string[];
  /** Checks to pass before restarting those units. */
  readonly checks: readonly ServiceCheck[];
  /** Supplementary groups to add before starting the units. */
  readonly groupMembers: readonly GroupMembership[];
  /** The unit reading each rendered file of that layer (`null`: none); files of other layers are absent. */
  readonly unitOfPath: Readonly<Record<string, string | null>>;
}

/** Renders all files of a mail host; throws `MailHostSpecError` listing every spec problem. */
export const renderMailHost = (input: MailHostSpec): MailHostRendering => {
  const spec = resolveMailHostSpec(input);
  const daemons = renderDaemons(spec);
  const filters = ofLayer(daemons, 'filter');
  return {
    spec,
    files: daemons.flatMap((d) => d.files),
    secretFiles: secretFilesFor(spec),
    vmail: { user: 'vmail', group: 'vmail', uid: spec.vmailUid, gid: spec.vmailGid, home: spec.mailboxRoot },
    dkimKeyFiles: dkimKeyFiles(spec),
    daemons,
    packages: filters.flatMap((d) => d.packages),
    units: filters.flatMap((d) => d.units),
    unwantedUnits: filters.flatMap((d) => d.unwantedUnits),
    checks: filters.flatMap((d) => d.checks),
    groupMembers: filters.flatMap((d) => d.groupMembers),
    unitOfPath: Object.fromEntries(filters.flatMap((d) => Object.entries(d.unitOfPath))),
  };
};
