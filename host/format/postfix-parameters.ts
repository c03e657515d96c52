/**
 * Serializer for Postfix parameter files: `main.cf` and the `mysql_table(5)`
 * map files, which share the same `name = value` syntax.
 * https://www.postfix.org/postconf.5.html
 */

/** A Postfix parameter value; `null` means "leave at the Postfix default" and is dropped. */
export type PostfixValue = string | number | boolean | readonly string[] | null;

/** Parameters in the order they are written. */
export type PostfixParameters = Readonly<Record<string, PostfixValue>>;

const NAME = /^[a-z][a-z0-9_-]*$/i;

const scalarText = (name: string, value: string | number | boolean): string => {
  const text = value === true ? 'yes' : value === false ? 'no' : String(value);
  if (/[\r\n]/.test(text)) {
    throw new Error(`Postfix parameter ${name}: value ${JSON.stringify(text)} contains a line break; pass a list instead.`);
  }
  return text;
};

/** The elements of a value as text: booleans become yes/no, a scalar is a one-element list. */
export const postfixValueItems = (name: string, value: Exclude<PostfixValue, null>): string[] => {
  if (!NAME.test(name)) throw new Error(`Postfix parameter name ${JSON.stringify(name)} is not valid.`);
  return Array.isArray(value)
    ? (value as readonly string[]).map((item) => scalarText(name, item))
    : [scalarText(name, value as string | number | boolean)];
};

const nonNull = (entry: [string, PostfixValue]): entry is [string, Exclude<PostfixValue, null>] => entry[1] !== null;

/** Entries whose value is not `null`, in order. */
export const presentEntries = (parameters: PostfixParameters): [string, Exclude<PostfixValue, null>][] =>
  Object.entries(parameters).filter(nonNull);

/**
 * Renders parameters one per line. Lists of more than one element go on indented
 * continuation lines (one element each), which Postfix joins with the first line,
 * so restriction lists stay readable in a diff.
 */
export const renderPostfixParameters = (parameters: PostfixParameters): string =>
  presentEntries(parameters)
    .map(([name, value]) => {
      const items = postfixValueItems(name, value);
      if (items.length === 0 || (items.length === 1 && items[0] === '')) return `${name} =`;
      if (items.length === 1) return `${name} = ${items[0]}`;
      return `${name} =\n${items.map((item, i) => `    ${item}${i < items.length - 1 ? ',' : ''}`).join('\n')}`;
    })
    .join('\n') + '\n';
