/**
 * Fails CI when a Terraform plan would destroy a resource that holds data: the mail volumes, the
 * database, a bucket, a secret. Reads plans as `terraform show -json <planfile>` writes them;
 * a replacement (`-/+` or `+/-`) destroys the old resource and counts as well.
 *
 *   npx tsx tools/ci/destroy-guard.ts <plan.json>...           exit 1 when one would be destroyed
 *   MIROVOY_ALLOW_DATA_DESTROY=true npx tsx tools/ci/destroy-guard.ts <plan.json>...
 *                                                               lists them and exits 0 (the
 *                                                               workflow sets it from a label)
 */
import { readFileSync } from 'node:fs';

/**
 * Resource types whose destruction loses data (mail, accounts, state, keys). Not in the list on
 * purpose: `aws_secretsmanager_secret_version` (a renewed certificate replaces its version, the
 * secret stays), `aws_s3_object` (each configuration change replaces a bundle object).
 */
export const DATA_HOLDING_TYPES: Readonly<Record<string, string>> = {
  aws_ebs_volume: 'a mail spool or log volume',
  aws_db_instance: 'the mail database',
  aws_rds_cluster: 'a database cluster',
  aws_s3_bucket: 'a bucket (state, artifacts)',
  aws_secretsmanager_secret: 'a secret (DKIM key, certificate, database user)',
};

/** The part of `terraform show -json` output the guard reads. */
export interface PlanJson {
  readonly resource_changes?: readonly {
    readonly address: string;
    readonly mode: string;
    readonly type: string;
    readonly change: { readonly actions: readonly string[] };
  }[];
}

/** A data-holding resource the plan destroys. */
export interface DataDestruction {
  readonly plan: string;
  readonly address: string;
  readonly type: string;
  /** `delete`, or `replace` for delete + create in either order. */
  readonly action: 'delete' | 'replace';
}

/** Every data-holding resource a plan destroys. */
export const dataDestructions = (plan: PlanJson, planName: string): DataDestruction[] =>
  (plan.resource_changes ?? [])
    .filter((rc) => rc.mode === 'managed' && rc.type in DATA_HOLDING_TYPES && rc.change.actions.includes('delete'))
    .map((rc) => ({ plan: planName, address: rc.address, type: rc.type, action: rc.change.actions.includes('create') ? 'replace' : 'delete' }));

/** Reads a plan file, with a clear error when it is not `terraform show -json` output. */
export const readPlan = (path: string): PlanJson => {
  let plan: unknown;
  try {
    plan = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`destroy-guard: cannot read ${path} as JSON (${(error as Error).message}); give it the output of terraform show -json <planfile>`);
  }
  if (typeof plan !== 'object' || plan === null || !('format_version' in plan)) {
    throw new Error(`destroy-guard: ${path} is not a plan in JSON (no format_version); give it the output of terraform show -json <planfile>`);
  }
  return plan as PlanJson;
};

/** The guard's verdict on some plans: its exit code and what it prints. */
export const guard = (plans: readonly { name: string; plan: PlanJson }[], allowed: boolean): { code: number; lines: string[] } => {
  const found = plans.flatMap(({ name, plan }) => dataDestructions(plan, name));
  if (found.length === 0) return { code: 0, lines: [`destroy-guard: no data-holding resource is destroyed (${plans.length} plan(s))`] };
  const list = found.map((d) => `  - ${d.plan}: ${d.action} ${d.address} (${DATA_HOLDING_TYPES[d.type]})`);
  return allowed
    ? { code: 0, lines: ['destroy-guard: allowed by the pull request label; these data-holding resources will be destroyed:', ...list] }
    : {
        code: 1,
        lines: [
          'destroy-guard: this plan destroys resources that hold data:',
          ...list,
          'If that is intended, add the label allow-data-destroy to the pull request and run the job again.',
        ],
      };
};

if (require.main === module) {
  const paths = process.argv.slice(2);
  try {
    if (paths.length === 0) throw new Error('destroy-guard: give one or more plan files (terraform show -json <planfile> > plan.json)');
    const { code, lines } = guard(
      paths.map((path) => ({ name: path, plan: readPlan(path) })),
      process.env.MIROVOY_ALLOW_DATA_DESTROY === 'true',
    );
    (code === 0 ? console.log : console.error)(lines.join('\n'));
    process.exitCode = code;
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
