/** One synth of one config in this process; prints its figures as JSON for bench/synth.ts. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../configs/load';
import { addMirovoyStacks } from '../stacks/mirovoy-app';
import { synthesizeAtomically } from '../stacks/synthesize-atomically';

const started = performance.now();
const outdir = join(mkdtempSync(join(tmpdir(), 'mirovoy-bench-')), 'cdktf.out');
const config = loadConfig(process.argv[2]);
synthesizeAtomically(outdir, (app) => addMirovoyStacks(app, config));
const synthMs = performance.now() - started;
rmSync(join(outdir, '..'), { recursive: true, force: true });
console.log(JSON.stringify({ synthMs, maxRssKiB: process.resourceUsage().maxRSS }));
