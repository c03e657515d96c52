/**
 * Pure host renderers: a `MailHostSpec` in, the files of a mail host out.
 * No Terraform, no AWS, no secrets (see `secrets.ts` for the files written at run time).
 */
import { renderAdminCli } from './admin';
import { renderDovecot } from './dovecot';
import { RenderedFile } from './files';
import { renderMysql } from './mysql';
import { PostfixExtensions, renderPostfix } from './postfix';
import { SecretFile, secretFilesFor } from './secrets';
import { MailHostSpec, resolveMailHostSpec, ResolvedMailHostSpec } from './spec';

export * from './admin';
export * from './dovecot';
export * from './files';
export * from './mysql';
export * from './postfix';
export * from './secrets';
export * from './spec';

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
}

/** Renders all files of a mail host; throws `MailHostSpecError` listing every spec problem. */
export const renderMailHost = (input: MailHostSpec, extensions: PostfixExtensions = {}): MailHostRendering => {
  const spec = resolveMailHostSpec(input);
  const primary = spec.role === 'primary';
  return {
    spec,
    files: [
      ...renderPostfix(spec, extensions),
      ...(primary ? [...renderDovecot(spec), ...renderAdminCli(spec)] : []),
      ...renderMysql(spec),
    ],
    secretFiles: secretFilesFor(spec),
    vmail: { user: 'vmail', group: 'vmail', uid: spec.vmailUid, gid: spec.vmailGid, home: spec.mailboxRoot },
  };
};
