/**
 * Serializer for `name = value` files with optional `[section]` headers: fail2ban's
 * jail files (Python configparser, https://fail2ban.readthedocs.io/) and
 * policyd-spf.conf (one flat list, policyd-spf.conf(5)).
 */

/** A value; `null` drops the line; booleans are `true`/`false` (both parsers accept them); lists are joined by `separator`. */
export type IniValue = string | number | boolean | readonly string[] | null;

/** Settings of one section, in order. */
export type IniSettings = Readonly<Record<string, IniValue>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const SECTION = /^[A-Za-z0-9_.-]+$/;

const lines = (settings: IniSettings, separator: string): string[] =>
  Object.entries(settings)
    .filter((entry): entry is [string, Exclude<IniValue, null>] => entry[1] !== null)
    .map(([name, value]) => {
      if (!NAME.test(name)) throw new Error(`Setting name ${JSON.stringify(name)} is not valid.`);
      const text = Array.isArray(value) ? value.join(separator) : String(value);
      if (/[\r\n]/.test(text)) throw new Error(`Setting ${name}: value contains a line break.`);
      return `${name} = ${text}`;
    });

/** A file without sections (policyd-spf.conf). Lists are joined with `separator`. */
export const renderFlatIni = (settings: IniSettings, separator = ','): string => lines(settings, separator).join('\n') + '\n';

/** Sections in order, separated by blank lines; lists are joined with `separator`. */
export const renderIniSections = (sections: Readonly<Record<string, IniSettings>>, separator = ' '): string =>
  Object.entries(sections)
    .map(([section, settings]) => {
      if (!SECTION.test(section)) throw new Error(`Section name ${JSON.stringify(section)} is not valid.`);
      return [`[${section}]`, ...lines(settings, separator)].join('\n');
    })
    .join('\n\n') + '\n';
