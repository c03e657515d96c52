/**
 * `npm run bench:synth`: wall time and peak memory of a full synth, for the embedded example and
 * for the config with every option on. Each run is a fresh process, as `npm run synth` is.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const RUNS = 5;
const TSX = join(__dirname, '../node_modules/.bin/tsx');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

for (const config of ['example', 'all-options']) {
  const runs = Array.from({ length: RUNS }, () => {
    const started = performance.now();
    const child = spawnSync(TSX, [join(__dirname, 'synth-once.ts'), config], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`synth of ${config} failed:\n${child.stderr}`);
    return { processMs: performance.now() - started, ...(JSON.parse(child.stdout.trim().split('\n').pop()!) as { synthMs: number; maxRssKiB: number }) };
  });
  console.log(
    `${config.padEnd(12)} process wall ${median(runs.map((r) => r.processMs)).toFixed(0)} ms, ` +
      `synth ${median(runs.map((r) => r.synthMs)).toFixed(0)} ms, ` +
      `peak RSS ${(Math.max(...runs.map((r) => r.maxRssKiB)) / 1024).toFixed(0)} MiB (median of ${RUNS} runs)`,
  );
}
