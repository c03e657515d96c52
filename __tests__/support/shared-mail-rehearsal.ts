/**
 * Mail systems that several e2e suites boot alike, booted once for all of them in a Jest run in
 * band (`tools/jest/shared-rehearsals.js` has the rules; alone, or in a worker process, a suite
 * boots and stops its own):
 *
 * ```ts
 * beforeAll(async () => { mail = await acquireMailRehearsal('example-backup-mx'); }, 600_000);
 * afterAll(async () => { await releaseMailRehearsal('example-backup-mx', mail); }, 120_000);
 * ```
 *
 * What a suite on a shared system must keep: it starts from what the suite before it left, in
 * either order, so it undoes what it breaks (a stopped daemon, a changed secret or record) as its
 * own tests do, and adds mailboxes no other sharing suite adds. A suite that needs a fresh boot
 * (first-boot checks, a database down at boot), other options, or leaves lasting state (bans,
 * rate-limit counts, a replaced host) boots its own with `startMailRehearsal`.
 */
import type { MailHostSpec } from '../../host';
import { MailRehearsal, MailRehearsalOptions, startMailRehearsal } from '../../rehearsal/mail-system';

/** Short greylisting (clients retry like MTAs) and no bans: for suites that do not test fail2ban. */
const quickRetriesNoBans = (spec: MailHostSpec): MailHostSpec => ({ ...spec, postgrey: { delaySeconds: 2 }, fail2ban: { maxretry: 1000 } });

/** The shared systems by key: what each boots, and which suites share it. */
export const SHARED_MAIL_SYSTEMS = {
  /**
   * The example config with its backup MX, greylisting 2 s, fail2ban that never bans.
   * Shared by mail-quota (mailboxes alice@, bob@) and mail-status (no mailboxes; its status
   * checks assume a host mail-ready for under an hour and no dump yet).
   */
  'example-backup-mx': { tuneSpec: quickRetriesNoBans },
} satisfies Record<string, MailRehearsalOptions>;

/** A shared system's key. */
export type SharedMailSystem = keyof typeof SHARED_MAIL_SYSTEMS;

/** What `tools/jest/e2e-environment.js` puts on the global object (`tools/jest/shared-rehearsals.js`). */
interface SharedRehearsals {
  acquire<T extends { stop(): Promise<void> }>(key: string, boot: () => Promise<T>): Promise<T>;
  release(key: string, handle: { stop(): Promise<void> }): Promise<void>;
}

const sharedRehearsals = (): SharedRehearsals | undefined => (globalThis as { __mirovoySharedRehearsals?: SharedRehearsals }).__mirovoySharedRehearsals;

/** The shared system of `key`: the running one, or a boot of it. */
export function acquireMailRehearsal(key: SharedMailSystem): Promise<MailRehearsal> {
  const boot = () => startMailRehearsal(SHARED_MAIL_SYSTEMS[key]);
  return sharedRehearsals()?.acquire(key, boot) ?? boot();
}

/** Gives the system back (after a failed boot, `mail` is undefined and nothing is to do). */
export async function releaseMailRehearsal(key: SharedMailSystem, mail: MailRehearsal | undefined): Promise<void> {
  if (!mail) return;
  const shared = sharedRehearsals();
  await (shared ? shared.release(key, mail) : mail.stop());
}
