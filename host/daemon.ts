/**
 * One daemon (or host component) of a mail host as one record: its files, packages, units,
 * checks, Postfix hooks and the secret files it reads, next to its renderer. `daemons.ts`
 * names the records in one list and derives everything a host needs from it.
 */
import { RenderedFile } from './files';
import { MasterService } from './format/postfix-master-cf';
import { ContentFilter, Milters, PolicyService, PostfixExtensions } from './postfix/extensions';
import { SecretFile } from './secrets';
import { ResolvedMailHostSpec } from './spec';

/** A command that must succeed before `unit` is (re)started; argv, run as root. */
export interface ServiceCheck {
  readonly unit: string;
  readonly command: readonly string[];
}

/** A supplementary group a system user must have (`usermod -aG group user`). */
export interface GroupMembership {
  readonly user: string;
  readonly group: string;
  /** Why, for people and logs. */
  readonly reason: string;
}

/** Which unit reads the files under a path prefix; `null`: none (read per use, nothing to restart). */
export interface UnitOfPath {
  readonly prefix: string;
  readonly unit: string | null;
}

/** A policy service with the kind of answer it gives, which fixes its place in the restriction list. */
export interface DaemonPolicyService {
  readonly service: PolicyService;
  /**
   * `final`: it rejects or passes (SPF); `temporary`: it defers (greylisting). Final ones are
   * asked first, so a forged sender is refused outright instead of being greylisted and retried.
   * `mailbox`: it judges the recipient's mailbox (quota), not the sender, so it is asked of every
   * client before the others, also on submission (see `PostfixExtensions.mailboxPolicyServices`).
   */
  readonly verdict: 'final' | 'temporary' | 'mailbox';
}

/** What a daemon adds to Postfix (see `PostfixExtensions`). */
export interface PostfixHooks {
  readonly policyServices?: readonly DaemonPolicyService[];
  /** At most one daemon of a host filters content. */
  readonly contentFilter?: ContentFilter;
  /** Its milters; those of several daemons are called in daemon list order. */
  readonly milters?: Milters;
  readonly masterServices?: readonly MasterService[];
}

/**
 * A daemon of a mail host. Every function is asked only when `enabled(spec)` holds; a disabled
 * record contributes nothing.
 */
export interface MailDaemon {
  /** For people and errors. */
  readonly name: string;
  /**
   * `mail`: Postfix, Dovecot and the mail database, which carry the mail. `filter`: the
   * filtering, signing and protection layer hooked into them, whose units start first so
   * Postfix's first message finds them.
   */
  readonly layer: 'mail' | 'filter';
  readonly enabled: (spec: ResolvedMailHostSpec) => boolean;
  /** Debian packages (installed without recommendations: what the daemon needs is named). */
  readonly packages: (spec: ResolvedMailHostSpec) => readonly string[];
  /** Configuration files, in install order; `postfix` is what all daemons add to Postfix. */
  readonly files: (spec: ResolvedMailHostSpec, postfix: PostfixExtensions) => readonly RenderedFile[];
  /** Units to enable and (re)start, in start order. */
  readonly units: (spec: ResolvedMailHostSpec) => readonly string[];
  /** Units its packages bring (as recommendations) that must be stopped and disabled. */
  readonly unwantedUnits?: readonly string[];
  /** Checks to pass before its units are (re)started (none of them starts a daemon). */
  readonly checks?: (spec: ResolvedMailHostSpec) => readonly ServiceCheck[];
  /** Supplementary groups its users need. */
  readonly groupMembers?: readonly GroupMembership[];
  /**
   * The unit reading each of its files, by path prefix: every file it renders is under one,
   * and no prefix of another daemon overlaps them.
   */
  readonly unitOfPath: readonly UnitOfPath[];
  readonly postfix?: (spec: ResolvedMailHostSpec) => PostfixHooks;
  /** True when its units serve the host's certificate (reloaded when it is renewed). */
  readonly servesTls?: boolean;
  /** Ports it listens on that must be open before the host reports mail-ready. */
  readonly readyPorts?: (spec: ResolvedMailHostSpec) => readonly number[];
  /**
   * The systemd unit keeping its data under the spool volume's mount point: it must not start
   * when the volume is missing (the provision step adds `RequiresMountsFor=`).
   */
  readonly spoolUnit?: string;
  /** The unit to restart when a run-time secret file changes, `undefined` when it does not read the file. */
  readonly unitReadingSecret?: (file: SecretFile) => string | undefined;
}
