/**
 * The daemons of a mail host, named in one list; everything a host needs of them (files,
 * packages, units, checks, Postfix hooks) is derived from it. Adding a daemon: its record next
 * to its renderer (see `MailDaemon`), and its name here.
 */
import { amavisDaemon } from './amavis';
import { databaseDumpDaemon } from './backup';
import { GroupMembership, MailDaemon, PostfixHooks, ServiceCheck } from './daemon';
import { dovecotDaemon } from './dovecot';
import { fail2banDaemon } from './fail2ban';
import { RenderedFile } from './files';
import { fromCheckDaemon } from './from-check';
import { mailDatabase } from './mysql';
import { opendkimDaemon } from './opendkim';
import { postfixDaemon } from './postfix';
import { Milters, PostfixExtensions } from './postfix/extensions';
import { postgreyDaemon } from './postgrey';
import { spfDaemon } from './spf';
import { ResolvedMailHostSpec } from './spec';
import { statusReport } from './status';

/** Every daemon, in the order of their files, packages and checks. */
export const MAIL_DAEMONS: readonly MailDaemon[] = [
  postfixDaemon,
  dovecotDaemon,
  mailDatabase,
  databaseDumpDaemon,
  amavisDaemon,
  postgreyDaemon,
  spfDaemon,
  // Before OpenDKIM: its milter is asked first, so a forged header From is refused, never signed.
  fromCheckDaemon,
  opendkimDaemon,
  fail2banDaemon,
  // Checks the others (and is itself one of the services it checks).
  statusReport(() => MAIL_DAEMONS),
];

/** The daemons a spec turns on, in list order. */
export const enabledDaemons = (spec: ResolvedMailHostSpec): MailDaemon[] => MAIL_DAEMONS.filter((d) => d.enabled(spec));

/** The one hook of a kind among the daemons, `null` for none; two are a contradiction. */
const oneHook = <K extends 'contentFilter'>(hooks: readonly (PostfixHooks & { name: string })[], kind: K): NonNullable<PostfixHooks[K]> | null => {
  const having = hooks.filter((h) => h[kind] !== undefined);
  if (having.length > 1) throw new Error(`Postfix takes one ${kind}; ${having.map((h) => h.name).join(' and ')} each give one`);
  return having[0]?.[kind] ?? null;
};

/** `tempfail` when one of the milters says so: Postfix has one `milter_default_action` per service. */
const strictest = (actions: readonly ('accept' | 'tempfail')[]): 'accept' | 'tempfail' => (actions.includes('tempfail') ? 'tempfail' : 'accept');

/**
 * The daemons' milters as Postfix calls them, `null` for none: in list order on each kind of
 * service, and one milter that must not be skipped when unavailable (`tempfail`) makes its
 * service defer while any of its milters is down.
 */
const composedMilters = (all: readonly Milters[]): Milters | null => {
  if (all.length === 0) return null;
  const onSubmission = (m: Milters) => m.submissionEndpoints ?? m.endpoints;
  return {
    endpoints: all.flatMap((m) => m.endpoints),
    defaultAction: strictest(all.filter((m) => m.endpoints.length > 0).map((m) => m.defaultAction ?? 'accept')),
    submissionEndpoints: all.flatMap(onSubmission),
    submissionDefaultAction: strictest(all.filter((m) => onSubmission(m).length > 0).map((m) => m.submissionDefaultAction ?? m.defaultAction ?? 'accept')),
  };
};

/** What the enabled daemons add to Postfix: policy services (final verdicts first; mailbox ones apart), content filter, milters, master.cf services. */
export const postfixExtensionsFor = (spec: ResolvedMailHostSpec): PostfixExtensions => {
  const hooks = enabledDaemons(spec).map((d) => ({ name: d.name, ...d.postfix?.(spec) }));
  const policies = hooks.flatMap((h) => h.policyServices ?? []);
  return {
    policyServices: (['final', 'temporary'] as const).flatMap((verdict) => policies.filter((p) => p.verdict === verdict).map((p) => p.service)),
    mailboxPolicyServices: policies.filter((p) => p.verdict === 'mailbox').map((p) => p.service),
    contentFilter: oneHook(hooks, 'contentFilter'),
    milters: composedMilters(hooks.flatMap((h) => (h.milters ? [h.milters] : []))),
    masterServices: hooks.flatMap((h) => h.masterServices ?? []),
  };
};

/** An enabled daemon with its facts for one spec. */
export interface RenderedDaemon {
  readonly daemon: MailDaemon;
  readonly files: readonly RenderedFile[];
  /** The unit reading each of its files (`null`: none). */
  readonly unitOfPath: Readonly<Record<string, string | null>>;
  readonly packages: readonly string[];
  readonly units: readonly string[];
  readonly checks: readonly ServiceCheck[];
  readonly groupMembers: readonly GroupMembership[];
  readonly unwantedUnits: readonly string[];
}

/** The unit a daemon names for one of its files; a file none of its prefixes claims is an error. */
const unitOfFile = (daemon: MailDaemon, path: string): string | null => {
  const claim = daemon.unitOfPath.find((u) => path.startsWith(u.prefix));
  if (!claim) throw new Error(`${daemon.name} renders ${path}, which none of its unitOfPath prefixes claims`);
  return claim.unit;
};

/** The enabled daemons of a spec with their files and facts, in list order. */
export const renderDaemons = (spec: ResolvedMailHostSpec): RenderedDaemon[] => {
  const postfix = postfixExtensionsFor(spec);
  return enabledDaemons(spec).map((daemon) => {
    const files = daemon.files(spec, postfix);
    return {
      daemon,
      files,
      unitOfPath: Object.fromEntries(files.map((f) => [f.path, unitOfFile(daemon, f.path)])),
      packages: daemon.packages(spec),
      units: daemon.units(spec),
      checks: daemon.checks?.(spec) ?? [],
      groupMembers: daemon.groupMembers ?? [],
      unwantedUnits: daemon.unwantedUnits ?? [],
    };
  });
};

/** The daemons of one layer. */
export const ofLayer = (daemons: readonly RenderedDaemon[], layer: MailDaemon['layer']): RenderedDaemon[] => daemons.filter((d) => d.daemon.layer === layer);

/** Units in start order: the filter layer's first, so Postfix's first message finds them. */
export const unitsInStartOrder = (daemons: readonly RenderedDaemon[]): string[] =>
  [...ofLayer(daemons, 'filter'), ...ofLayer(daemons, 'mail')].flatMap((d) => d.units);
