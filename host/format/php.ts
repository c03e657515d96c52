/**
 * Serializer for PHP configuration files such as Roundcube's `config.inc.php`: assignments to
 * one array variable (`$config['key'] = value;`), each value data. Strings are single-quoted
 * (only `\` and `'` are special there: https://www.php.net/manual/en/language.types.string.php),
 * lists are `[...]`, maps `['k' => v]`. The few values only known on the host (a password in a
 * file the provision step writes) are typed expressions — a call of a named function, a constant,
 * an index into a value, a concatenation — never PHP source given as a string. An object whose keys
 * are exactly an expression's (`call`+`args`, `constant`, `of`+`key`, `concat`) is that expression.
 */

/** A call of a PHP function with data arguments, e.g. `file_get_contents('/path')`. */
export interface PhpCall {
  readonly call: string;
  readonly args: readonly PhpValue[];
}

/** A PHP constant by name, e.g. `INI_SCANNER_RAW`. */
export interface PhpConstant {
  readonly constant: string;
}

/** `of[key]`: one element of an array value (e.g. of `parse_ini_file(...)`). */
export interface PhpIndex {
  readonly of: PhpValue;
  readonly key: string;
}

/** Strings joined with PHP's `.` operator. */
export interface PhpConcat {
  readonly concat: readonly PhpValue[];
}

/** A PHP value: data, or one of the typed expressions above. */
export type PhpValue =
  | string
  | number
  | boolean
  | null
  | readonly PhpValue[]
  | PhpCall
  | PhpConstant
  | PhpIndex
  | PhpConcat
  | { readonly [key: string]: PhpValue };

/** Assignments to `$<variable>[key]`, in order. */
export type PhpAssignments = Readonly<Record<string, PhpValue>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A single-quoted PHP string literal. */
export const phpString = (text: string): string => `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;

const isList = (value: PhpValue): value is readonly PhpValue[] => Array.isArray(value);
/** Whether an object is exactly an expression of these keys (a map with other keys is data). */
const shaped = (value: object, ...keys: string[]): boolean => {
  const own = Object.keys(value).sort();
  return own.length === keys.length && keys.sort().every((k, i) => own[i] === k);
};

const name = (kind: string, text: string): string => {
  if (!NAME.test(text)) throw new Error(`PHP ${kind} name ${JSON.stringify(text)} is not an identifier (letters, digits, _; not a digit first).`);
  return text;
};

/** The PHP source of one value. */
export const phpValue = (value: PhpValue): string => {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return phpString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`PHP number ${value} is not finite.`);
    return String(value);
  }
  if (isList(value)) return `[${value.map(phpValue).join(', ')}]`;
  if (shaped(value, 'call', 'args') && Array.isArray((value as PhpCall).args)) {
    const call = value as PhpCall;
    return `${name('function', call.call)}(${call.args.map(phpValue).join(', ')})`;
  }
  if (shaped(value, 'constant')) return name('constant', (value as PhpConstant).constant);
  if (shaped(value, 'of', 'key')) return `${phpValue((value as PhpIndex).of)}[${phpString((value as PhpIndex).key)}]`;
  if (shaped(value, 'concat')) {
    const parts = (value as PhpConcat).concat;
    if (parts.length === 0) throw new Error('A PHP concatenation needs at least one part.');
    return `(${parts.map(phpValue).join(' . ')})`;
  }
  const entries = Object.entries(value as Record<string, PhpValue>);
  return `[${entries.map(([k, v]) => `${phpString(k)} => ${phpValue(v)}`).join(', ')}]`;
};

/**
 * A PHP file assigning each entry to `$<variable>[key]`, after `$<variable> = [];` so that
 * nothing from an earlier include survives. `header` is the generated-file comment (`//` lines).
 */
export const renderPhpAssignments = (header: string, variable: string, assignments: PhpAssignments): string =>
  `<?php\n${header}\n$${name('variable', variable)} = [];\n` +
  Object.entries(assignments)
    .map(([key, value]) => `$${variable}[${phpString(key)}] = ${phpValue(value)};\n`)
    .join('');
