/**
 * The subset of cloud-init's `#cloud-config` we use, as a typed object rendered by one YAML
 * serializer. https://cloudinit.readthedocs.io/en/latest/reference/modules.html
 */
import { stringify } from 'yaml';
import { RenderedFile } from '../files';

/** A file cloud-init writes (module `write_files`). */
export interface CloudConfigFile {
  readonly path: string;
  readonly content: string;
  /** Octal mode such as `'0644'`. */
  readonly permissions: string;
  /** `user:group`. @default root:root */
  readonly owner?: string;
  /** `gz+b64` when `content` is gzipped and base64-encoded. */
  readonly encoding?: 'gz+b64' | 'b64';
  /** Write after packages and users exist (cloud-init ≥ 21.3). */
  readonly defer?: boolean;
}

/** Rendered files as cloud-init writes them (owned by root, as every file a user data writes is). */
export const cloudConfigFiles = (files: readonly RenderedFile[]): CloudConfigFile[] =>
  files.map((f) => {
    if (f.owner !== 'root' || f.group !== 'root') throw new Error(`${f.path}: a user data writes files owned by root only (not ${f.owner}:${f.group})`);
    return { path: f.path, content: f.content, permissions: f.mode };
  });

/** A user cloud-init creates (module `users_groups`). */
export interface CloudConfigUser {
  readonly name: string;
  readonly shell: string;
  readonly groups: readonly string[];
  readonly sudo?: string;
  readonly ssh_authorized_keys: readonly string[];
  readonly lock_passwd: true;
}

/** A `#cloud-config` document. Keys are cloud-init's own. */
export interface CloudConfig {
  readonly fqdn?: string;
  readonly hostname?: string;
  readonly prefer_fqdn_over_hostname?: boolean;
  readonly manage_etc_hosts?: boolean;
  readonly package_update?: boolean;
  readonly packages?: readonly string[];
  readonly users?: readonly (CloudConfigUser | 'default')[];
  readonly write_files?: readonly CloudConfigFile[];
  readonly runcmd?: readonly (readonly string[])[];
}

/** Options of {@link renderCloudConfig}. */
export interface CloudConfigRenderOptions {
  /**
   * List items flush with their key (`write_files:\n- path: …`), which is the same YAML two
   * columns narrower on every line of a file's content: less for a user data near EC2's 16 KB.
   * @default false (the style existing user data was rendered in; changing it changes instances)
   */
  readonly compact?: boolean;
}

/** Renders a cloud-config document: the `#cloud-config` marker line, then YAML. */
export const renderCloudConfig = (config: CloudConfig, options: CloudConfigRenderOptions = {}): string =>
  `#cloud-config\n${stringify(config, { lineWidth: 0, blockQuote: 'literal', indentSeq: !options.compact })}`;
