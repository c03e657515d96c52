/**
 * Reads a table back from a generated script's settings block, as bash itself sees it: every
 * `readonly` line is run by bash, which prints the rows of `<name>_<COLUMN>` joined by spaces.
 * Tests compare rows as lines, whatever quoting the serializer chose.
 */
import { execFileSync } from 'node:child_process';

export const shellTableRows = (script: string, name: string, columns: readonly string[]): string[] => {
  const settings = script.split('\n').filter((line) => line.startsWith('readonly ')).join('\n');
  const first = `${name}_${columns[0].toUpperCase()}`;
  const row = columns.map((c) => `\${${name}_${c.toUpperCase()}[i]}`).join(' ');
  const output = execFileSync('bash', ['-c', `${settings}\nfor i in "\${!${first}[@]}"; do echo "${row}"; done`], { encoding: 'utf8' });
  return output.split('\n').filter(Boolean).map((line) => line.trimEnd());
};
