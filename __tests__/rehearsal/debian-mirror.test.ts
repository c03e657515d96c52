import { parseDebianSources, suiteSources } from '../../rehearsal/debian-mirror';

const HOST_SOURCES = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security/
Suites: bookworm-security
Components: main
`;

describe('parseDebianSources', () => {
  it('finds the archive and the security archive', () => {
    expect(parseDebianSources(HOST_SOURCES)).toEqual({
      archive: 'http://deb.debian.org/debian',
      security: 'http://deb.debian.org/debian-security',
    });
  });

  it('derives the security archive when only the main one is listed', () => {
    expect(parseDebianSources('URIs: http://mirror.test/debian\nSuites: bookworm\n').security).toBe('http://mirror.test/debian-security');
  });

  it('fails clearly without a URIs line', () => {
    expect(() => parseDebianSources('Types: deb\n')).toThrow('no Debian archive URI');
  });
});

describe('suiteSources', () => {
  it('lists the suite, its updates and its security suite', () => {
    expect(suiteSources({ archive: 'http://m/debian', security: 'http://m/debian-security' }, 'trixie')).toEqual([
      'deb http://m/debian trixie main',
      'deb http://m/debian trixie-updates main',
      'deb http://m/debian-security trixie-security main',
    ]);
  });
});
