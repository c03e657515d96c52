/** Test support: synthesize a config the way main.ts does and read back each stack's JSON. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App } from 'cdktf';
import { MirovoyConfigInput } from '../../configs/schema';
import { validateConfig } from '../../configs/validate';
import { addMirovoyStacks } from '../../stacks/mirovoy-app';

/** A synthesized Terraform JSON document. */
export type TerraformJson = {
  terraform: Record<string, any>;
  resource?: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, Record<string, any>>;
  provider?: Record<string, any>;
  check?: Record<string, any>;
};

/** Synthesizes a config the way main.ts does into a scratch directory, and reads from it before it goes. */
const synthesized = <T>(input: MirovoyConfigInput, read: (outdir: string) => T): T => {
  const config = validateConfig(input, 'test');
  const outdir = mkdtempSync(join(tmpdir(), 'mirovoy-synth-'));
  try {
    const app = new App({ outdir });
    addMirovoyStacks(app, config);
    app.synth();
    return read(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

/** Synthesizes every stack of a config; returns them by stack name. */
export const synthConfig = (input: MirovoyConfigInput): Record<string, TerraformJson> =>
  synthesized(input, (outdir) => {
    const stacksDir = join(outdir, 'stacks');
    return Object.fromEntries(
      readdirSync(stacksDir).map((name) => [name, JSON.parse(readFileSync(join(stacksDir, name, 'cdk.tf.json'), 'utf8')) as TerraformJson]),
    );
  });

/**
 * Everything a synth of a config writes — each stack's JSON (with the hosts' user data and
 * bundles in it), the manifest, and any asset file — as a SHA-256 digest per path under the
 * output directory.
 */
export const synthOutputDigests = (input: MirovoyConfigInput): Record<string, string> =>
  synthesized(input, (outdir) =>
    Object.fromEntries(
      readdirSync(outdir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => {
          const file = join(entry.parentPath, entry.name);
          return [relative(outdir, file), createHash('sha256').update(readFileSync(file)).digest('hex')];
        })
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
  );

/** The resources of one type in a stack, as a list. */
export const resourcesOf = (stack: TerraformJson, type: string): Record<string, any>[] => Object.values(stack.resource?.[type] ?? {});

/**
 * The string Terraform makes of a JSON string value: it is a template, where `$${` and `%%{`
 * stand for `${` and `%{`. Throws on an interpolation or directive (the value would not be
 * literal).
 */
export const templateValue = (value: string): string => {
  const unescaped = value.replace(/([$%])\1\{|([$%])\{/g, (match, escaped: string | undefined) => {
    if (escaped) return `${escaped}{`;
    throw new Error(`not a literal: ${JSON.stringify(match)} in a template`);
  });
  return unescaped;
};

/** The `<env>-mail` stack among a config's synthesized stacks. */
export const mailStackOf = (stacks: Record<string, TerraformJson>): TerraformJson => stacks[Object.keys(stacks).find((name) => name.endsWith('-mail'))!];

/** The IAM policy statements of a mail host's instance role. */
export const mailHostPolicy = (stack: TerraformJson, host: 'Primary' | 'Backup') =>
  JSON.parse(resourcesOf(stack, 'aws_iam_role_policy').find((r) => r['//'].metadata.path.includes(`/${host}/InstanceRole/`))!.policy).Statement as {
    Action: string | string[];
    Resource: string | string[];
    Condition?: unknown;
  }[];

/** The tags of a mail host's instance (its run-time settings among them). */
export const mailHostTags = (stack: TerraformJson, host: 'Primary' | 'Backup'): Record<string, string> =>
  resourcesOf(stack, 'aws_instance').find((r) => r['//'].metadata.path.includes(`/${host}/`))!.tags;
