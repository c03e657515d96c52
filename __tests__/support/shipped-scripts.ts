/**
 * Test support: every shell script we ship, taken from where it ships: the synthesized Terraform
 * JSON (the mail hosts' bundles and user data, the NAT and bastion launch templates' user data)
 * and the repository's own `.sh` files.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { unpackBundle } from '../../host/provision/bundle';
import { TerraformJson, resourcesOf, templateValue } from './synth';

/** A shell script and where it was found. */
export interface ShippedScript {
  /** Where it comes from, e.g. `example-mail: aws_s3_object bundle /usr/local/sbin/mirovoy-provision`. */
  readonly origin: string;
  readonly content: string;
}

const REPOSITORY = join(__dirname, '..', '..');
const SHELL_SHEBANG = /^#!\s*(\/usr)?\/bin\/(env\s+)?(ba)?sh\b/;

/** User data as Terraform gets it: base64, of gzip or of the text itself. */
const decodeUserData = (base64: string): string => {
  const bytes = Buffer.from(base64, 'base64');
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
};

/** The shell scripts among a `#cloud-config` document's `write_files`. */
const cloudConfigScripts = (userData: string, origin: string): ShippedScript[] => {
  if (!userData.startsWith('#cloud-config')) throw new Error(`${origin}: user data is not #cloud-config`);
  const files = ((parse(userData) as { write_files?: { path: string; content: string }[] }).write_files ?? []);
  return files.filter((f) => SHELL_SHEBANG.test(f.content)).map((f) => ({ origin: `${origin} ${f.path}`, content: f.content }));
};

/** Every shell script in one synthesized stack. */
export const scriptsOfStack = (name: string, stack: TerraformJson): ShippedScript[] => [
  ...resourcesOf(stack, 'aws_s3_object')
    .filter((o) => typeof o.content === 'string' && o.content.startsWith('#mirovoy-bundle'))
    .flatMap((o) => unpackBundle(templateValue(o.content)).filter((f) => SHELL_SHEBANG.test(f.content)).map((f) => ({ origin: `${name}: bundle ${o.key} ${f.path}`, content: f.content }))),
  ...resourcesOf(stack, 'aws_instance')
    .filter((i) => i.user_data_base64)
    .flatMap((i) => cloudConfigScripts(decodeUserData(i.user_data_base64), `${name}: user data of ${i.tags?.Name ?? 'an instance'}`)),
  ...resourcesOf(stack, 'aws_launch_template')
    .filter((t) => t.user_data)
    .flatMap((t) => cloudConfigScripts(decodeUserData(t.user_data), `${name}: launch template ${t.name_prefix ?? t.name}`)),
];

/** The repository's own `.sh` files (tracked by git). */
export const repositoryShellFiles = (): ShippedScript[] =>
  execFileSync('git', ['ls-files', '*.sh'], { cwd: REPOSITORY, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((path) => ({ origin: path, content: readFileSync(join(REPOSITORY, path), 'utf8') }));
