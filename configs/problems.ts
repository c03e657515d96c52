/** A single configuration problem, reported with the field, the value and the fix. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `network.subnets.data[1]`. */
  readonly path: string;
  /** What is wrong and what is allowed instead. */
  readonly message: string;
  /** The offending value, when there is one. */
  readonly value?: unknown;
}

/** Thrown when a configuration is invalid; its message lists every problem. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `Invalid configuration ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** `path: message (got value)` — the one-line form of a problem. */
export const formatProblem = ({ path, message, value }: ConfigProblem): string =>
  `${path || '(config)'}: ${message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;

/** Dotted path from zod-style path segments: `['network','subnets','data',1]` → `network.subnets.data[1]`. */
export const pathToString = (segments: readonly PropertyKey[]): string =>
  segments.reduce<string>(
    (acc, segment) => (typeof segment === 'number' ? `${acc}[${segment}]` : acc ? `${acc}.${String(segment)}` : String(segment)),
    '',
  );
