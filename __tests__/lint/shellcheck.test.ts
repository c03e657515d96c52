/**
 * ShellCheck on every shell script we ship (rendered by host/, taken from the synthesized JSON of
 * both shipped configs) and on the repository's own `.sh` files. A finding is fixed in the script
 * or disabled there with a `# shellcheck disable=SCxxxx` line that says why.
 * ShellCheck comes from Debian (rehearsal/host-tools.sh installs it; `npm test` runs that first).
 */
import { spawnSync } from 'node:child_process';
import { allOptions, example } from '../support/configs';
import { repositoryShellFiles, scriptsOfStack, ShippedScript } from '../support/shipped-scripts';
import { synthConfig } from '../support/synth';
import { webHostSpecFromConfig } from '../../adapters/web-host-spec';
import { validateConfig } from '../../configs/validate';
import { unpackBundle } from '../../host/provision';
import { renderWebHostBundle } from '../../host/web';

const shellcheckVersion = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });

/** One entry per distinct content, named by every place it ships. */
const distinct = (scripts: ShippedScript[]): [string, string][] => {
  const byContent = new Map<string, string[]>();
  for (const s of scripts) byContent.set(s.content, [...(byContent.get(s.content) ?? []), s.origin]);
  return [...byContent].map(([content, origins]) => [origins.join(' · '), content]);
};

/** The webmail host's bundle (not in a stack yet: the web stack's auto-scaling group is another change). */
const webHostScripts = (): ShippedScript[] =>
  unpackBundle(renderWebHostBundle(webHostSpecFromConfig(validateConfig(example, 'test'), { trustedProxies: ['10.0.0.0/24'] })).content)
    .filter((f) => f.content.startsWith('#!/bin/bash'))
    .map((f) => ({ origin: `webmail bundle ${f.path}`, content: f.content }));

const rendered = distinct([...[example, allOptions].flatMap((config) => Object.entries(synthConfig(config)).flatMap(([name, stack]) => scriptsOfStack(name, stack))), ...webHostScripts()]);
const own = distinct(repositoryShellFiles());

const findings = (content: string): string =>
  spawnSync('shellcheck', ['--format=gcc', '--external-sources', '-'], { input: content, encoding: 'utf8' }).stdout;

describe('shellcheck', () => {
  it('is installed (rehearsal/host-tools.sh installs it: run `bash rehearsal/host-tools.sh` as root)', () => {
    expect(shellcheckVersion.status).toBe(0);
  });

  it('finds the rendered scripts: provision, convergence, fetch, store, migrations, imports, NAT route claim', () => {
    const names = rendered.map(([origin]) => origin).join('\n');
    for (const path of ['mirovoy-provision', 'mirovoy-converge', 'mirovoy-fetch', 'mirovoy-store', 'mirovoy-db-migrate', 'mirovoy-db-import', 'mirovoy-nat-claim-route']) {
      expect(names).toContain(`/usr/local/sbin/${path}`);
    }
  });

  it('can fail: an unquoted expansion is a finding', () => {
    expect(findings('#!/bin/bash\nrm $1\n')).toContain('SC2086');
  });

  it.each(rendered)('passes the rendered %s', (_origin, content) => {
    expect(findings(content)).toBe('');
  });

  it.each(own)('passes %s', (_origin, content) => {
    expect(findings(content)).toBe('');
  });
});
