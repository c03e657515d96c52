/**
 * Finds the selected config and validates it. The switch is the `MIROVOY_CONFIG` environment
 * variable: a name from `configs/environments/` (`example` when unset) or a path to a
 * `.ts`, `.json` or `.yaml` file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
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

/** Loads and validates the config chosen by `selector` (default: `$MIROVOY_CONFIG` or `example`). */
export const loadConfig = (selector: string = process.env[CONFIG_SELECTOR_VARIABLE] || DEFAULT_CONFIG_NAME): MirovoyConfig => {
  const file = resolveSelector(selector);
  return validateConfig(readConfigFile(file), file);
};
