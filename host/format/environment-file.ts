/**
 * Serializer for Debian's /etc/default/* files as systemd reads them (`EnvironmentFile=`,
 * systemd.exec(5)): `NAME="value"` lines, which /bin/sh reads the same way as long as the
 * value holds no `"`, `\`, `$` or backquote (refused here).
 */

/** Renders `NAME="value"` lines in order; a list becomes one space-separated value. */
export const renderEnvironmentFile = (variables: Readonly<Record<string, string | readonly string[]>>): string =>
  Object.entries(variables)
    .map(([name, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`Environment variable name ${JSON.stringify(name)} is not valid.`);
      const text = typeof value === 'string' ? value : value.join(' ');
      if (/["\\$`\r\n]/.test(text)) throw new Error(`Environment variable ${name}: value ${JSON.stringify(text)} needs quoting we do not write.`);
      return `${name}="${text}"`;
    })
    .join('\n') + '\n';
