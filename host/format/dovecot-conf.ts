/**
 * Serializer for Dovecot 2.4 configuration (`dovecot.conf` syntax).
 * https://doc.dovecot.org/2.4.1/core/settings/syntax.html
 */

/** A setting value; `null` drops the setting (Dovecot default applies). Lists are space-separated. */
export type DovecotScalar = string | number | boolean | readonly string[] | null;

/**
 * A block of settings and nested filters, in the order written. A key containing a space
 * (`'service imap-login'`, `'passdb sql'`) or naming an object is a filter/section.
 */
export interface DovecotBlock {
  readonly [key: string]: DovecotScalar | DovecotBlock;
}

const KEY = /^[A-Za-z0-9_@][A-Za-z0-9_./@-]*( [^\s{}"#]+)?$/;

const isBlock = (value: DovecotScalar | DovecotBlock): value is DovecotBlock =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Quotes a value when Dovecot would otherwise misread it: `#` starts a comment, a leading
 * `<` reads a file, a leading `$` expands a setting, edge whitespace is trimmed. A bare
 * backslash (`\Drafts`) needs no quoting.
 */
const valueText = (key: string, value: Exclude<DovecotScalar, null>): string => {
  const text =
    value === true ? 'yes' : value === false ? 'no' : Array.isArray(value) ? value.join(' ') : String(value);
  if (/[\r\n]/.test(text)) throw new Error(`Dovecot setting ${key}: value contains a line break.`);
  const needsQuotes = /[#"]/.test(text) || /^[<$\s]/.test(text) || /\s$/.test(text);
  return needsQuotes ? `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"` : text;
};

const renderBlock = (block: DovecotBlock, indent: string): string[] =>
  Object.entries(block).flatMap(([key, value]) => {
    if (!KEY.test(key)) throw new Error(`Dovecot setting or filter name ${JSON.stringify(key)} is not valid.`);
    if (value === null) return [];
    if (isBlock(value)) return [`${indent}${key} {`, ...renderBlock(value, `${indent}  `), `${indent}}`];
    const text = valueText(key, value);
    return [text === '' ? `${indent}${key} =` : `${indent}${key} = ${text}`];
  });

/** Renders a configuration: top-level settings and filters, two-space indented. */
export const renderDovecotConf = (config: DovecotBlock): string => renderBlock(config, '').join('\n') + '\n';
