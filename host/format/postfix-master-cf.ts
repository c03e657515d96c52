/**
 * Serializer for Postfix `master.cf` service lines.
 * https://www.postfix.org/master.5.html
 */
import { PostfixValue, postfixValueItems, presentEntries } from './postfix-parameters';

/** One `master.cf` service. Fields left undefined render as `-` (the Postfix default). */
export interface MasterService {
  /** Service name, or `host:port` for inet services. */
  readonly service: string;
  /** Transport type. */
  readonly type: 'inet' | 'unix' | 'unix-dgram' | 'fifo' | 'pass';
  /** Private (only reachable by Postfix itself). @default Postfix default (y, except inet) */
  readonly private?: boolean;
  /** Runs as the unprivileged mail_owner. @default Postfix default (y) */
  readonly unprivileged?: boolean;
  /** Chrooted into the queue directory. @default Postfix default (n since Postfix 3.0) */
  readonly chroot?: boolean;
  /** Wake-up interval in seconds; a trailing `?` wakes only when used. @default none */
  readonly wakeup?: string;
  /** Process limit; 0 is unlimited. @default default_process_limit */
  readonly maxproc?: number;
  /** Command name and its arguments (e.g. `['smtpd']`, `['spawn', 'user=nobody', 'argv=/bin/x']`). */
  readonly command: readonly string[];
  /** Per-service `-o` parameter overrides, in order. */
  readonly overrides?: Readonly<Record<string, PostfixValue>>;
}

const flag = (value: boolean | undefined): string => (value === undefined ? '-' : value ? 'y' : 'n');

const override = (name: string, value: Exclude<PostfixValue, null>): string => {
  const text = postfixValueItems(name, value).join(', ');
  // master(5): a value with whitespace or a comma needs the `{ name = value }` form (Postfix >= 3.0).
  return /[\s,{}]/.test(text) ? `-o { ${name} = ${text} }` : `-o ${name}=${text}`;
};

/** Renders services in the given order, columns aligned as in the stock file. */
export const renderMasterCf = (services: readonly MasterService[]): string =>
  services
    .map((s) => {
      const columns = [
        s.service.padEnd(10),
        s.type.padEnd(5),
        flag(s.private).padEnd(7),
        flag(s.unprivileged).padEnd(7),
        flag(s.chroot).padEnd(7),
        (s.wakeup ?? '-').padEnd(7),
        (s.maxproc === undefined ? '-' : String(s.maxproc)).padEnd(7),
        s.command[0],
      ].join(' ');
      const overrides = presentEntries(s.overrides ?? {}).map(([name, value]) => `  ${override(name, value)}`);
      // `-o` options belong to the command itself and must precede its other arguments:
      // everything after `argv=` is handed to the spawned program (master(5), spawn(8)).
      const args = s.command.length > 1 ? [`  ${s.command.slice(1).join(' ')}`] : [];
      const firstLine = (overrides.length > 0 ? columns : [columns, ...args.map((a) => a.trim())].join(' ')).replace(/ +$/, '');
      return [firstLine, ...overrides, ...(overrides.length > 0 ? args : [])].join('\n');
    })
    .join('\n') + '\n';
