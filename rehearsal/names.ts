import { randomBytes } from 'node:crypto';

/**
 * Prefix of every name the rehearsal creates on the host (network namespaces, machine names,
 * run directories), so that leftovers of a crashed run can be found and removed.
 */
export const NAME_PREFIX = 'mvr-';

/** Where per-run state lives: overlay upper/work dirs, mount points, logs. */
export const RUNS_ROOT = process.env.MIROVOY_REHEARSAL_RUNS ?? '/var/tmp/mirovoy-mail-runs';

/** A new random run id: short, so derived names stay readable. */
export function newRunId(): string {
  return randomBytes(3).toString('hex');
}

/** The name of a run, used for its directory under {@link RUNS_ROOT}: "mvr-1a2b3c". */
export function runName(runId: string): string {
  return `${NAME_PREFIX}${runId}`;
}

/** The network namespace (and container machine name) of one node of a run: "mvr-1a2b3c-mx". */
export function nodeName(runId: string, node: string): string {
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(node)) {
    throw new Error(`node name "${node}" must be lower-case letters, digits and "-", starting with a letter, at most 31 characters (it becomes a netns and machine name)`);
  }
  return `${runName(runId)}-${node}`;
}

/** The run id inside a name made by {@link runName} or {@link nodeName}, or undefined for foreign names. */
export function runIdOf(name: string): string | undefined {
  return new RegExp(`^${NAME_PREFIX}([0-9a-f]{6})(?:-|$)`).exec(name)?.[1];
}
