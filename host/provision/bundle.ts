/**
 * The configuration bundle of a host: every file rendered for it (daemon configuration, scripts,
 * units, and `mirovoy-provision` with its generated manifest of packages, owners, modes, units and
 * checks) as one deterministic text archive. It holds no secret: secrets stay in Secrets Manager
 * and are fetched at run time through the seam.
 *
 * The format is text on purpose, so a reviewer reads a configuration change as the diff of this
 * document in `terraform plan`:
 *
 * ```
 * #mirovoy-bundle 1
 * # <comment lines>
 * === <path> <mode> <owner> <group> <length in bytes>
 * <exactly that many bytes of content>
 * === …
 * ```
 *
 * Each content is followed by one newline before the next `===` line. The length makes the
 * archive unambiguous whatever a file contains; `mirovoy-converge` unpacks it on the host.
 */
import { createHash } from 'node:crypto';
import { RenderedFile } from '../files';

/** First line of every bundle; the number is the format version the host's unpacker knows. */
export const BUNDLE_MAGIC = '#mirovoy-bundle 1';

/** A rendered bundle and its content hash. */
export interface HostBundle {
  /** The archive text (UTF-8). */
  readonly content: string;
  /** sha256 of `content` as UTF-8 bytes, lower-case hex: the bundle's name. */
  readonly sha256: string;
}

const OWNER = /^[a-z_][a-z0-9_-]*$/;
const MODE = /^0[0-7]{3}$/;
const PATH = /^\/[A-Za-z0-9._@+/-]+$/;

/** The header line of one file; refuses what the unpacker could not take back exactly. */
const headerOf = (file: RenderedFile): string => {
  const problems = [
    PATH.test(file.path) && !file.path.split('/').includes('..') ? null : `path ${JSON.stringify(file.path)} must be absolute, without spaces or ".."`,
    MODE.test(file.mode) ? null : `mode ${JSON.stringify(file.mode)} must be octal like 0644`,
    OWNER.test(file.owner) ? null : `owner ${JSON.stringify(file.owner)} is not a user name`,
    OWNER.test(file.group) ? null : `group ${JSON.stringify(file.group)} is not a group name`,
  ].filter((p): p is string => p !== null);
  if (problems.length > 0) throw new Error(`bundle file ${file.path}: ${problems.join('; ')}`);
  return `=== ${file.path} ${file.mode} ${file.owner} ${file.group} ${Buffer.byteLength(file.content, 'utf8')}`;
};

/**
 * Packs files into a bundle. The order is the files' order (the manifest in `mirovoy-provision`
 * decides the install order); a path given twice is an error.
 *
 * @param description comment lines placed under the magic line (who the bundle is for)
 */
export const packBundle = (files: readonly RenderedFile[], description: readonly string[]): HostBundle => {
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new Error(`bundle file ${file.path} is given twice`);
    seen.add(file.path);
  }
  const content = [
    BUNDLE_MAGIC,
    ...description.map((line) => `# ${line}`.trimEnd()),
    ...files.map((file) => `${headerOf(file)}\n${file.content}`),
    '',
  ].join('\n');
  return { content, sha256: createHash('sha256').update(content, 'utf8').digest('hex') };
};

/** The object key of a bundle under a host's prefix, e.g. `mx1/<sha256>.bundle`. */
export const bundleObjectKey = (hostPrefix: string, bundle: HostBundle): string => `${hostPrefix}/${bundle.sha256}.bundle`;

/** The value of the run-time setting `bundle`: `<object key> <sha256>`. */
export const bundleSettingValue = (key: string, bundle: HostBundle): string => `${key} ${bundle.sha256}`;

/**
 * Reads a bundle back into files (what the host's unpacker does, for tests and review tools).
 * Throws on anything that is not a well-formed bundle.
 */
export const unpackBundle = (content: string): RenderedFile[] => {
  const bytes = Buffer.from(content, 'utf8');
  const files: RenderedFile[] = [];
  let offset = 0;
  const line = (): string => {
    const end = bytes.indexOf(0x0a, offset);
    if (end < 0) throw new Error('bundle: truncated (a line without its newline)');
    const text = bytes.subarray(offset, end).toString('utf8');
    offset = end + 1;
    return text;
  };
  if (line() !== BUNDLE_MAGIC) throw new Error(`bundle: does not start with "${BUNDLE_MAGIC}"`);
  while (offset < bytes.length) {
    const header = line();
    if (header.startsWith('#')) continue;
    const match = /^=== (\S+) (\S+) (\S+) (\S+) (\d+)$/.exec(header);
    if (!match) throw new Error(`bundle: bad header line ${JSON.stringify(header)}`);
    const [, path, mode, owner, group, length] = match;
    const end = offset + Number(length);
    if (end + 1 > bytes.length || bytes[end] !== 0x0a) throw new Error(`bundle: content of ${path} is truncated`);
    files.push({ path, mode, owner, group, content: bytes.subarray(offset, end).toString('utf8') });
    offset = end + 1;
  }
  return files;
};
