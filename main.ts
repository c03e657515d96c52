/**
 * Entry point: loads the selected config (MIROVOY_CONFIG, default `example`) and synthesizes
 * every stack into cdktf.out. A bad config exits non-zero and writes nothing.
 */
import { loadConfig } from './configs/load';
import { ConfigError } from './configs/problems';
import { addMirovoyStacks } from './stacks/mirovoy-app';
import { synthesizeAtomically } from './stacks/synthesize-atomically';

try {
  const config = loadConfig();
  synthesizeAtomically(process.env.CDKTF_OUTDIR ?? 'cdktf.out', (app) => addMirovoyStacks(app, config));
  console.log(`Synthesized config "${config.environment}" into ${process.env.CDKTF_OUTDIR ?? 'cdktf.out'}`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Synth failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
