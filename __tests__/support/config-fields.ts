/**
 * Test support: the leaf fields of a zod 4 object schema, found by walking it, and changed values
 * for a field that its own schema accepts. Used by the test that every config field is read
 * (`__tests__/configs/every-field-read.test.ts`), so a field added later is covered unasked.
 */
import { z } from 'zod';
import { pathToString } from '../../configs/problems';

/** A path from the config root: object keys, and 0 for "the first element" of a list of objects. */
export type FieldPath = readonly (string | number)[];

/** One leaf of the schema: a value that is not an object of named fields. */
export interface ConfigField {
  readonly path: FieldPath;
  /** The field's own schema, wrappers (optional, default, nullable, …) taken off. */
  readonly schema: z.ZodType;
  /** Whether the field itself may be left out (optional, or with a default; its parents aside). */
  readonly optional: boolean;
  /**
   * Set when the field is the discriminator of a discriminated union: its value picks the form,
   * so a change replaces the whole union value (at `union.path`), not the discriminator alone.
   */
  readonly union?: { readonly path: FieldPath; readonly schema: z.ZodType };
}

type Def = { type: string; [key: string]: any };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Schema kinds that wrap one inner schema without changing what a field means. */
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'nonoptional', 'readonly', 'catch']);
const MAY_BE_ABSENT = new Set(['optional', 'default', 'prefault']);

/** A schema with its wrappers taken off, and whether one of them lets the value be left out. */
export const unwrap = (schema: z.ZodType): { schema: z.ZodType; optional: boolean } => {
  let node = schema;
  let optional = false;
  while (WRAPPERS.has(defOf(node).type)) {
    optional ||= MAY_BE_ABSENT.has(defOf(node).type);
    node = defOf(node).innerType as z.ZodType;
  }
  return { schema: node, optional };
};

const isObjectSchema = (schema: z.ZodType) => defOf(unwrap(schema).schema).type === 'object';

/**
 * Every leaf field under `schema`, depth first in declaration order. Objects are walked into;
 * a list of objects is walked through its first element; a discriminated union gives its
 * discriminator (as one field) and the fields of every form (each path once). Lists of plain
 * values, records, enums and scalars are leaves.
 */
export const configFields = (schema: z.ZodType, path: FieldPath = []): ConfigField[] => {
  const inner = unwrap(schema);
  const node = inner.schema;
  const def = defOf(node);
  if (def.type === 'object') {
    return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([key, child]) => configFields(child, [...path, key]));
  }
  if (def.type === 'array' && isObjectSchema(def.element as z.ZodType)) return configFields(def.element as z.ZodType, [...path, 0]);
  if (def.type === 'union' && typeof def.discriminator === 'string') {
    const key = def.discriminator as string;
    const forms = (def.options as z.ZodType[]).map((option) => unwrap(option).schema);
    const discriminator: ConfigField = { path: [...path, key], schema: z.union(forms.map((form) => defOf(form).shape[key] as z.ZodType)), optional: inner.optional, union: { path, schema: node } };
    const members = forms.flatMap((form) =>
      Object.entries(defOf(form).shape as Record<string, z.ZodType>)
        .filter(([name]) => name !== key)
        .flatMap(([name, child]) => configFields(child, [...path, name])),
    );
    return [discriminator, ...members.filter((field, i) => members.findIndex((other) => pathToString(other.path) === pathToString(field.path)) === i)];
  }
  return [{ path, schema: node, optional: inner.optional }];
};

/** The value at a path, or undefined where any step is missing. */
export const valueAt = (root: unknown, path: FieldPath): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined), root);

/** A copy of `root` with the value at `path` replaced (left out when `value` is undefined); missing steps become objects. */
export const withValueAt = (root: unknown, path: FieldPath, value: unknown): unknown => {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  const node = root ?? (typeof key === 'number' ? [] : {});
  const copy = (Array.isArray(node) ? [...node] : { ...(node as object) }) as Record<string | number, unknown>;
  const child = withValueAt(copy[key], rest, value);
  if (child === undefined && !Array.isArray(copy)) delete copy[key];
  else copy[key] = child;
  return copy;
};

/**
 * A copy of a JSON-like value with `from` replaced by `to` inside every string, and the paths of
 * the strings that changed: a name renamed everywhere it appears (a zone and the host names in
 * it), for a field that cannot change alone.
 */
export const renamedEverywhere = (root: unknown, from: string, to: string, path: FieldPath = []): { value: unknown; renamed: FieldPath[] } => {
  if (typeof root === 'string') return root.includes(from) ? { value: root.split(from).join(to), renamed: [path] } : { value: root, renamed: [] };
  if (root === null || typeof root !== 'object') return { value: root, renamed: [] };
  const entries = Object.entries(root).map(([key, child]) => [key, renamedEverywhere(child, from, to, [...path, Array.isArray(root) ? Number(key) : key])] as const);
  const value = Array.isArray(root) ? entries.map(([, child]) => child.value) : Object.fromEntries(entries.map(([key, child]) => [key, child.value]));
  return { value, renamed: entries.flatMap(([, child]) => child.renamed) };
};

/** Whether two JSON-like values are the same. */
export const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every variant of a string with one letter or digit moved on to the next of its kind (a→b, z→a, 9→0). */
const oneCharacterChanges = (text: string): string[] =>
  [...text].flatMap((c, i) => {
    const next = /[a-y]|[A-Y]|[0-8]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 1) : ({ z: 'a', Z: 'A', 9: '0' } as Record<string, string>)[c];
    return next ? [text.slice(0, i) + next + text.slice(i + 1)] : [];
  });

/** Nearby numbers and the bounds of a number schema. */
const numberChanges = (schema: z.ZodType, value: number): number[] => {
  const { minValue, maxValue } = schema as unknown as { minValue: number | null; maxValue: number | null };
  return [value + 1, value - 1, value * 2, Math.floor(value / 2), minValue, maxValue].filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
};

/**
 * Values a field could change to from `value`, most local first, not yet checked against any
 * schema: the other choices of an enum or literal, the other boolean, nearby numbers,
 * one-character edits of a string, a list with an entry changed, added or dropped, a record
 * with an entry changed or added. `seeds` are values known to fit the field (from other configs),
 * tried first and used where `value` is absent.
 */
export const candidateValues = (field: ConfigField, value: unknown, seeds: readonly unknown[] = []): unknown[] => {
  const def = defOf(field.schema);
  const own = (v: unknown): unknown[] => {
    switch (def.type) {
      case 'boolean':
        return [!v];
      case 'enum':
        return Object.values(def.entries as Record<string, unknown>);
      case 'literal':
        return [...(def.values as unknown[])];
      case 'union':
        return (def.options as z.ZodType[]).flatMap((option) => (defOf(option).type === 'literal' ? [...(defOf(option).values as unknown[])] : []));
      case 'number':
        return typeof v === 'number' ? numberChanges(field.schema, v) : [];
      case 'string':
        return typeof v === 'string' ? oneCharacterChanges(v) : [];
      case 'array': {
        if (!Array.isArray(v)) return [];
        const element = { path: field.path, schema: unwrap(def.element as z.ZodType).schema, optional: false };
        const changed = v.length > 0 ? candidateValues(element, v[0]).map((first) => [first, ...v.slice(1)]) : [];
        const added = (v.length > 0 ? candidateValues(element, v.at(-1)) : seeds.flatMap((s) => (Array.isArray(s) ? s : []))).map((extra) => [...v, extra]);
        return [...changed, ...added, v.slice(1), v.slice(0, -1)];
      }
      case 'record': {
        if (v === null || typeof v !== 'object') return [];
        const entries = Object.entries(v);
        const valueField = { path: field.path, schema: unwrap(def.valueType as z.ZodType).schema, optional: false };
        const keyField = { path: field.path, schema: unwrap(def.keyType as z.ZodType).schema, optional: false };
        return [
          ...(entries.length > 0 ? candidateValues(valueField, entries[0][1]).map((first) => ({ ...v, [entries[0][0]]: first })) : []),
          ...(entries.length > 0 ? candidateValues(keyField, entries[0][0]).map((key) => ({ ...v, [String(key)]: entries[0][1] })) : []),
          Object.fromEntries(entries.slice(1)),
        ];
      }
      default:
        return [];
    }
  };
  const fromSeeds = seeds.flatMap((seed) => [seed, ...(value === undefined ? own(seed) : [])]);
  return [...fromSeeds, ...own(value), ...(field.optional ? [undefined] : [])].filter(
    (candidate, i, all) => !sameValue(candidate, value) && all.findIndex((other) => sameValue(other, candidate)) === i && (candidate === undefined || field.schema.safeParse(candidate).success),
  );
};
