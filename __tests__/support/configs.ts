/** Test support: the shipped configs, and a way to derive variants of them. */
import allOptions from '../../configs/environments/all-options';
import example from '../../configs/environments/example';
import { validateMirovoyConfig } from '../../configs/load';
import { ConfigError, formatProblem } from '../../configs/problems';
import { MirovoyConfigInput } from '../../configs/schema';

export { allOptions, example };

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const merge = (base: unknown, patch: unknown): unknown =>
  isPlainObject(base) && isPlainObject(patch)
    ? Object.fromEntries([...new Set([...Object.keys(base), ...Object.keys(patch)])].map((k) => [k, k in patch ? merge(base[k], patch[k]) : base[k]]))
    : patch;

/** The example config with some fields replaced (objects merge, arrays and values replace). */
export const exampleWith = (patch: DeepPartial<MirovoyConfigInput> | Record<string, unknown>): MirovoyConfigInput => merge(example, patch) as MirovoyConfigInput;

/** The problems the full validation (schema, cross-field and mail-host rules) finds in a config, one line each; none when it is valid. */
export const problemsOf = (input: unknown): string[] => {
  try {
    validateMirovoyConfig(input, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
};
