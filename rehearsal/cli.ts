/**
 * Command line for the rehearsal substrate:
 *   npx tsx rehearsal/cli.ts prepare   build (or reuse) the cached base rootfs and local apt repository
 *   npx tsx rehearsal/cli.ts cleanup   remove leftovers of crashed runs (mounts, netns, nspawn, dnsmasq)
 */
import { ensureLocalAptRepo } from './apt-repo';
import { cleanupStale } from './cleanup';

const commands: Record<string, () => Promise<unknown>> = {
  prepare: () => ensureLocalAptRepo(),
  cleanup: () => cleanupStale(),
};

const command = commands[process.argv[2] ?? ''];
if (!command) {
  process.stderr.write(`usage: npx tsx rehearsal/cli.ts ${Object.keys(commands).join('|')}\n`);
  process.exit(2);
}
command().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
