/**
 * Test support: headless Chromium (Debian's `chromium` package, installed by rehearsal/host-tools.sh;
 * never a downloaded browser) driven by playwright-core, running inside a rehearsal client's
 * network namespace: playwright starts it through a wrapper that enters the namespace, and talks to
 * it over the pipe it inherits.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { Rehearsal } from '../../rehearsal/rehearsal';

/** Where browser tests leave their screenshots (kept after the run; not in the repository). */
export const ARTIFACTS_DIRECTORY = process.env.MIROVOY_TEST_ARTIFACTS ?? '/var/tmp/mirovoy-mail-artifacts';

/** A new folder for one suite's artefacts, named by the time. */
export const artifactsFolder = (suite: string): string => {
  const folder = join(ARTIFACTS_DIRECTORY, `${suite}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(folder, { recursive: true });
  return folder;
};

/**
 * Launches Chromium in a client's network namespace. `hosts` maps names to addresses there (the
 * load balancer's name to its stand-in), as its resolver would.
 */
export const launchBrowserOn = async (rehearsal: Rehearsal, client: string, hosts: Readonly<Record<string, string>>): Promise<Browser> => {
  const wrapper = join(rehearsal.directory, `chromium-in-${client}`);
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${rehearsal.lan.node(client).netns} /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o700);
  const rules = Object.entries(hosts).map(([name, address]) => `MAP ${name} ${address}`).join(', ');
  // As root, Chromium's sandbox cannot start; the pages are our own.
  return chromium.launch({ executablePath: wrapper, headless: true, args: ['--no-sandbox', `--host-resolver-rules=${rules}`] });
};
