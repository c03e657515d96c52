/**
 * Serializer for Amavis configuration snippets: Perl variable assignments, as read by
 * amavisd from /etc/amavis/conf.d/* (each file is evaluated as Perl and must end in a
 * true value). https://www.amavis.org/amavisd-new-docs.html
 */

/** A constant amavisd exports for final destinies (amavisd.conf, "final_*_destiny"). */
export type AmavisDestiny = 'D_PASS' | 'D_DISCARD' | 'D_BOUNCE' | 'D_REJECT';

/** A reference to another Perl variable, e.g. `\%bypass_virus_checks`. */
export interface PerlReference {
  readonly ref: `${'$' | '@' | '%'}${string}`;
}

/** A Perl value: strings are single-quoted, `null` is `undef`, arrays are `[...]`, objects `{ k => v }`. */
export type PerlValue =
  | string
  | number
  | null
  | { readonly destiny: AmavisDestiny }
  | PerlReference
  | readonly PerlValue[]
  | { readonly [key: string]: PerlValue };

/**
 * Assignments in order. A key is a scalar (`$max_servers`), an array (`@lookup_sql_dsn`,
 * whose value must be a list) or one element of a hash (`$policy_bank{'ORIGINATING'}`).
 */
export type PerlAssignments = Readonly<Record<string, PerlValue>>;

const KEY = /^([$@])[A-Za-z_][A-Za-z0-9_]*(\{'[A-Za-z0-9_.-]+'\})?$/;
const VARIABLE = /^[$@%][A-Za-z_][A-Za-z0-9_]*$/;
const HASH_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isList = (value: PerlValue): value is readonly PerlValue[] => Array.isArray(value);

const quote = (text: string): string => {
  if (/[\r\n]/.test(text)) throw new Error(`Perl string ${JSON.stringify(text)} contains a line break.`);
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
};

const valueText = (value: PerlValue): string => {
  if (value === null) return 'undef';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Perl number ${value} is not finite.`);
    return String(value);
  }
  if (isList(value)) return `[${value.map(valueText).join(', ')}]`;
  if ('destiny' in value && typeof value.destiny === 'string') return value.destiny;
  if ('ref' in value && typeof value.ref === 'string') {
    if (!VARIABLE.test(value.ref)) throw new Error(`Perl reference ${JSON.stringify(value.ref)} is not a variable name.`);
    return `\\${value.ref}`;
  }
  const entries = Object.entries(value as { readonly [key: string]: PerlValue }).map(([k, v]) => {
    if (!HASH_KEY.test(k)) throw new Error(`Perl hash key ${JSON.stringify(k)} is not a bare word.`);
    return `${k} => ${valueText(v)}`;
  });
  return `{ ${entries.join(', ')} }`;
};

/** Renders `use strict;`, one assignment a line, and the true value amavisd requires at the end. */
export const renderPerlAssignments = (assignments: PerlAssignments): string =>
  [
    'use strict;',
    ...Object.entries(assignments).map(([key, value]) => {
      const match = KEY.exec(key);
      if (!match) throw new Error(`Perl variable ${JSON.stringify(key)} is not a scalar, array or hash element.`);
      if (match[1] === '@') {
        if (!isList(value)) throw new Error(`Perl array ${key} needs a list value.`);
        return `${key} = (${value.map(valueText).join(', ')});`;
      }
      return `${key} = ${valueText(value)};`;
    }),
    '1;  # amavisd requires a true value at the end of each file',
  ].join('\n') + '\n';
