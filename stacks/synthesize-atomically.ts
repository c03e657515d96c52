import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { App } from 'cdktf';

/**
 * Synthesizes into a fresh folder beside `outdir` and swaps it in only when every stack
 * synthesized: a failing guard-rail or error leaves the previous output untouched and no
 * half-written stacks behind.
 */
export const synthesizeAtomically = (outdir: string, build: (app: App) => void): void => {
  const target = resolve(outdir);
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
  try {
    const app = new App({ outdir: staging });
    build(app);
    app.synth();
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
};
