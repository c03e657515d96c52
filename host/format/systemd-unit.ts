/** systemd unit files a host gets, rendered from sections (systemd.unit(5)). */
import { generatedHeader, RenderedFile } from '../files';
import { renderIniSections } from './ini';

/** Directory of the units we install. */
export const SYSTEMD_UNIT_DIRECTORY = '/etc/systemd/system';

/**
 * A unit file under /etc/systemd/system.
 *
 * @param origin repository path of the renderer, named in the header
 */
export const systemdUnitFile = (name: string, origin: string, sections: Parameters<typeof renderIniSections>[0]): RenderedFile => ({
  path: `${SYSTEMD_UNIT_DIRECTORY}/${name}`,
  content: `${generatedHeader('#', origin)}${renderIniSections(sections)}`,
  mode: '0644',
  owner: 'root',
  group: 'root',
});
