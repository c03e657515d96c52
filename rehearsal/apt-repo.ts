import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheEntryName, ensureCachedDirectory } from './cache';
import { run, runShell } from './command';
import { mountOverlay, unmount } from './overlay';
import { DATABASE_HOST_PACKAGES, exampleMailHostPackages } from './mail-packages';
import { ensureBaseRootfs, type BaseRootfsProps } from './rootfs';


/** Bump when the build below changes in a way the package list does not show. */
const REPO_RECIPE_VERSION = 1;

/** Options for {@link ensureLocalAptRepo}. */
export interface LocalAptRepoProps {
  /** Packages the hosts' user-data may install. @default the example config's mail hosts' and the database stand-in's */
  readonly packages?: readonly string[];
  /** The base rootfs the closure is computed against. @default the default base rootfs */
  readonly base?: BaseRootfsProps;
}

/**
 * Returns a flat apt repository (`*.deb` + `Packages.gz`) holding `packages` with everything
 * `apt-get install` would fetch for them on a host booted from the base rootfs: Depends, Recommends
 * (Debian's apt installs them, as EC2's does) and any newer versions of already-installed
 * packages they require. Containers mount it at /srv/repo and reach no other archive.
 *
 * The closure comes from apt itself: `apt-get install --download-only` inside a throw-away overlay
 * of the very base rootfs, so it can neither miss a package nor drift from the base.
 */
export async function ensureLocalAptRepo(props: LocalAptRepoProps = {}): Promise<string> {
  const base = await ensureBaseRootfs(props.base);
  const packages = [...new Set(props.packages ?? [...exampleMailHostPackages(), ...DATABASE_HOST_PACKAGES])].sort();
  const name = cacheEntryName('apt-repo', { base: basename(base), packages, recipe: REPO_RECIPE_VERSION }, new Date());
  return ensureCachedDirectory({
    name,
    description: `local apt repository (${packages.length} packages + closure)`,
    build: (directory, logFile) => buildRepo(base, packages, directory, logFile),
  });
}

async function buildRepo(base: string, packages: readonly string[], directory: string, logFile: string): Promise<void> {
  const scratch = `${directory}.scratch`;
  rmSync(scratch, { recursive: true, force: true });
  const overlay = await mountOverlay(base, scratch);
  try {
    await run(
      [
        'systemd-nspawn', '--quiet', '-D', overlay.root, '--register=no', '--keep-unit', '--as-pid2',
        '--console=pipe', '--resolv-conf=replace-host', '--setenv=DEBIAN_FRONTEND=noninteractive',
        '/bin/sh', '-ec',
        `apt-get update -q && apt-get install -y -q --download-only -o APT::Install-Recommends=true ${packages.join(' ')}`,
      ],
      { logFile },
    );
  } finally {
    await unmount(overlay.root);
  }
  const archives = join(overlay.upper, 'var/cache/apt/archives');
  mkdirSync(directory, { recursive: true });
  const debs = readdirSync(archives).filter((file) => file.endsWith('.deb'));
  for (const deb of debs) copyFileSync(join(archives, deb), join(directory, deb));
  rmSync(scratch, { recursive: true, force: true });
  await runShell('dpkg-scanpackages --multiversion . /dev/null 2>/dev/null | gzip -9c > Packages.gz', { cwd: directory });
}
