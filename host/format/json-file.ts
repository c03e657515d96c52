/** Generated JSON settings files of a host. */
import { RenderedFile } from '../files';

/**
 * A root-owned, world-readable JSON file (no secrets in it). JSON has no comments: the
 * `_generated` key carries the header.
 *
 * @param origin repository path of the renderer, e.g. `host/admin/index.ts`
 */
export const generatedJsonFile = (path: string, origin: string, value: object): RenderedFile => ({
  path,
  content: JSON.stringify({ _generated: `by Mirovoy Mail from ${origin}; do not edit on the host`, ...value }, null, 2) + '\n',
  mode: '0644',
  owner: 'root',
  group: 'root',
});
