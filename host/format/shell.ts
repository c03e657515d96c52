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
