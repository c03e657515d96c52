/**
 * Serializer for "name value" configuration files: one setting a line, name and value
 * separated by whitespace, `#` comments. clamd.conf(5), opendkim.conf(5), and OpenDKIM's
 * flat-file tables (KeyTable, SigningTable: key, whitespace, value) share this syntax.
 */

/** A value; `null` drops the line, booleans become the words each daemon takes (`yes`/`no`), lists are comma-joined. */
export type KeyValue = string | number | boolean | readonly string[] | null;

const NAME = /^[A-Za-z0-9*@._:-]+$/;

/** Renders the settings in order, one `Name value` line each. */
export const renderKeyValueLines = (settings: Readonly<Record<string, KeyValue>>): string =>
  Object.entries(settings)
    .filter((entry): entry is [string, Exclude<KeyValue, null>] => entry[1] !== null)
    .map(([name, value]) => {
      if (!NAME.test(name)) throw new Error(`Setting name ${JSON.stringify(name)} is not valid here.`);
      const text = value === true ? 'yes' : value === false ? 'no' : Array.isArray(value) ? value.join(', ') : String(value);
      if (text === '' || /[\r\n#]/.test(text)) throw new Error(`Setting ${name}: value ${JSON.stringify(text)} is empty or has a line break or #.`);
      return `${name} ${text}`;
    })
    .join('\n') + '\n';
