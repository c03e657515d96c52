/** Bash values for generated configuration blocks at the top of our scripts. */

/** Single-quotes a string for bash. */
export const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** `readonly NAME=value` / `readonly NAME=(a b)` lines, in order. */
export const renderShellAssignments = (values: Readonly<Record<string, string | readonly string[]>>): string =>
  Object.entries(values)
    .map(([name, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`Shell variable name ${JSON.stringify(name)} is not valid.`);
      return typeof value === 'string'
        ? `readonly ${name}=${shellQuote(value)}`
        : `readonly ${name}=(${value.map(shellQuote).join(' ')})`;
    })
    .join('\n') + '\n';

/**
 * A bash script body as shipped in user data: full-line comments and blank lines removed, since
 * EC2 caps user data at 16 KB (the commented source stays in the repository). Refuses scripts
 * with a heredoc, whose lines could look like comments.
 */
export const withoutCommentLines = (body: string): string => {
  if (/(^|[^<])<<[^<]/m.test(body)) throw new Error('withoutCommentLines: the script has a heredoc; its lines could look like comments');
  return body
    .split('\n')
    .filter((line) => !/^\s*(#.*)?$/.test(line))
    .join('\n')
    .concat('\n');
};
