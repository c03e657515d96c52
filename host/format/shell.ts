/** Bash values for generated configuration blocks at the top of our scripts. */

/** Single-quotes a string for bash. */
export const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Said above an assignment whose quoted value looks like an expansion (`$name`, `${`, `$(`, a
 * backquote; e.g. the `php -r` program of a check): ShellCheck takes it for one meant to happen
 * (SC2016), but the value is data.
 */
const LITERAL_VALUE_DIRECTIVE = "# shellcheck disable=SC2016 # a literal value for another program, not expanded here\n";

/** `readonly NAME=value` / `readonly NAME=(a b)` lines, in order. */
export const renderShellAssignments = (values: Readonly<Record<string, string | readonly string[]>>): string =>
  Object.entries(values)
    .map(([name, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`Shell variable name ${JSON.stringify(name)} is not valid.`);
      const literal = [value].flat().some((v) => /\$[A-Za-z_{(]|`/.test(v)) ? LITERAL_VALUE_DIRECTIVE : '';
      return typeof value === 'string'
        ? `${literal}readonly ${name}=${shellQuote(value)}`
        : `${literal}readonly ${name}=(${value.map(shellQuote).join(' ')})`;
    })
    .join('\n') + '\n';

/**
 * A bash script body as shipped in user data: full-line comments and blank lines removed, since
 * EC2 caps user data at 16 KB (the commented source stays in the repository), except ShellCheck
 * directives (`# shellcheck disable=…`), so the shipped script passes ShellCheck as its source
 * does. Refuses scripts with a heredoc, whose lines could look like comments.
 */
export const withoutCommentLines = (body: string): string => {
  if (/(^|[^<])<<[^<]/m.test(body)) throw new Error('withoutCommentLines: the script has a heredoc; its lines could look like comments');
  return body
    .split('\n')
    .filter((line) => !/^\s*(#.*)?$/.test(line) || /^\s*# shellcheck /.test(line))
    .join('\n')
    .concat('\n');
};

/**
 * A table for bash as one array per column, `<NAME>_<COLUMN>`, every cell quoted: row `i` is
 * index `i` of each array, so a script reads a record as `${NAME_PATH[i]}`, `${NAME_MODE[i]}`
 * (no joined strings split again with `read`). Spread the result into
 * {@link renderShellAssignments}.
 */
export const shellTable = <Column extends string>(
  name: string,
  columns: readonly Column[],
  rows: readonly Readonly<Record<Column, string>>[],
): Record<string, string[]> =>
  Object.fromEntries(columns.map((column) => [`${name}_${column.toUpperCase()}`, rows.map((row) => row[column])]));

/**
 * Argument vectors for bash: `<NAME>_<i>` per command, each argument quoted, run as
 * `"${!ref}"` with `ref=<NAME>_<i>[@]` — never through `bash -c` on a joined string.
 */
export const shellArgvLists = (name: string, commands: readonly (readonly string[])[]): Record<string, readonly string[]> =>
  Object.fromEntries(commands.map((argv, i) => [`${name}_${i}`, argv]));
