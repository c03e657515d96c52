/**
 * Finds the selected config and validates it. The switch is the `MIROVOY_CONFIG` environment
 * variable: a name from `configs/environments/` (`example` when unset) or a path to a
 * `.ts`, `.json` or `.yaml` file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { adminUserProblems } from '../adapters/admin-user';
import { mailHostSpecProblems } from '../adapters/mail-host-spec';
import { ConfigError } from './problems';
import { MirovoyConfig } from './schema';
import { validateConfig } from './validate';

/** The environment variable that selects the config. */
export const CONFIG_SELECTOR_VARIABLE = 'MIROVOY_CONFIG';
/** The config used when none is selected. */
export const DEFAULT_CONFIG_NAME = 'example';
const ENVIRONMENTS_DIR = join(__dirname, 'environments');
const EXTENSIONS = ['.ts', '.json', '.yaml', '.yml'];

/** Names of the configs shipped in `configs/environments/`. */
export const availableConfigNames = (): string[] =>
  readdirSync(ENVIRONMENTS_DIR)
    .filter((file) => EXTENSIONS.includes(extname(file)))
    .map((file) => file.slice(0, -extname(file).length))
    .sort();

const resolveSelector = (selector: string): string => {
  if (EXTENSIONS.includes(extname(selector))) return resolve(selector);
  const match = EXTENSIONS.map((ext) => join(ENVIRONMENTS_DIR, selector + ext)).find((file) => existsSync(file));
  if (!match) {
    throw new ConfigError(`"${selector}"`, [
      { path: CONFIG_SELECTOR_VARIABLE, value: selector, message: `names no config; use one of ${availableConfigNames().join(', ')}, or a path to a .ts, .json or .yaml file` },
    ]);
  }
  return match;
};

const readConfigFile = (file: string): unknown => {
  if (!existsSync(file)) throw new ConfigError(file, [{ path: CONFIG_SELECTOR_VARIABLE, value: file, message: 'points at a file that does not exist' }]);
  const ext = extname(file);
  if (ext === '.ts') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(file) as { default?: unknown };
    return module.default;
  }
  const text = readFileSync(file, 'utf8');
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(file, [{ path: '(file)', message: `is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}` }]);
  }
};

/**
 * The one validation of a config: its schema and cross-field rules (`validate.ts`), and the rules
 * of the mail host specs built from it (`host/spec.ts`, reported at config paths by the adapter),
 * so a config that passes also synthesizes and renders. Throws a ConfigError listing every problem.
 *
 * Composed here rather than in validate.ts or rules.ts: the host rules reach the config through
 * adapters/, which imports configs/, so the schema, rules and validator stay free of adapters/ and
 * host/. This file is only the entry point for main.ts, the rehearsal and the benches; nothing in
 * adapters/, stacks/, modules/ or host/ imports it, so the import of the adapter closes no cycle.
 */
export const validateMirovoyConfig = (input: unknown, source: string): MirovoyConfig => validateConfig(input, source, [mailHostSpecProblems, adminUserProblems]);

/** Loads and validates (`validateMirovoyConfig`) the config chosen by `selector` (default: `$MIROVOY_CONFIG` or `example`). */
export const loadConfig = (selector: string = process.env[CONFIG_SELECTOR_VARIABLE] || DEFAULT_CONFIG_NAME): MirovoyConfig => {
  const file = resolveSelector(selector);
  return validateMirovoyConfig(readConfigFile(file), file);
};
