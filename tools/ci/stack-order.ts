/**
 * The stacks CI plans, in dependency order, from the synthesized `cdktf.out/manifest.json`:
 * each stack after the stacks it reads outputs of. Stacks whose state is local (the state
 * bucket's own stack) are left out: a CI runner has no copy of that state, so its plan would
 * read as "create everything".
 *
 *   npx tsx tools/ci/stack-order.ts [cdktf.out]             every stack with remote state, one a line
 *   npx tsx tools/ci/stack-order.ts [cdktf.out] --role mail  only `<env>-mail`
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A stack as cdktf's manifest.json describes it. */
interface ManifestStack {
  readonly name: string;
  readonly dependencies: readonly string[];
  readonly synthesizedStackPath: string;
}

/** A stack CI can plan. */
export interface PlannedStack {
  /** Stack name, e.g. `prod-network`. */
  readonly name: string;
  /** Its folder, relative to the synth output folder. */
  readonly directory: string;
}

/** Stack names in dependency order (each after its dependencies; ties by name). */
export const dependencyOrder = (stacks: readonly ManifestStack[]): string[] => {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const done: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (done.includes(name)) return;
    if (visiting.has(name)) throw new Error(`stack-order: stacks depend on each other in a cycle through ${name}`);
    const stack = byName.get(name);
    if (!stack) throw new Error(`stack-order: a stack depends on ${name}, which the manifest does not list`);
    visiting.add(name);
    [...stack.dependencies].sort().forEach(visit);
    visiting.delete(name);
    done.push(name);
  };
  [...byName.keys()].sort().forEach(visit);
  return done;
};

/** The stacks with remote state in a synth output folder, in dependency order. */
export const plannedStacks = (outdir: string): PlannedStack[] => {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, Omit<ManifestStack, 'name'>> };
  const stacks = Object.entries(manifest.stacks).map(([name, s]) => ({ ...s, name }));
  const remote = (s: ManifestStack): boolean => {
    const backend = (JSON.parse(readFileSync(join(outdir, s.synthesizedStackPath), 'utf8')) as { terraform?: { backend?: object } }).terraform?.backend ?? {};
    return !('local' in backend) && Object.keys(backend).length > 0;
  };
  const byName = new Map(stacks.map((s) => [s.name, s]));
  return dependencyOrder(stacks)
    .map((name) => byName.get(name)!)
    .filter(remote)
    .map((s) => ({ name: s.name, directory: s.synthesizedStackPath.replace(/\/cdk\.tf\.json$/, '') }));
};

if (require.main === module) {
  const args = process.argv.slice(2);
  const roleAt = args.indexOf('--role');
  const role = roleAt >= 0 ? args.splice(roleAt, 2)[1] : undefined;
  const outdir = args[0] ?? 'cdktf.out';
  const stacks = plannedStacks(outdir).filter((s) => role === undefined || s.name.endsWith(`-${role}`));
  if (stacks.length === 0) {
    console.error(
      role === undefined
        ? `stack-order: no stack in ${outdir} keeps its state remotely; CI needs a config with state.bucket (set the repository variable MIROVOY_CONFIG to it)`
        : `stack-order: no stack <env>-${role} with remote state in ${outdir}`,
    );
    process.exit(1);
  }
  for (const s of stacks) console.log(`${s.name} ${s.directory}`);
}
