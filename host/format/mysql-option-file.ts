/**
 * Serializer for MySQL/MariaDB option files (`my.cnf` syntax), as read by the
 * `mariadb` client (`--defaults-extra-file`), libmariadb (Postfix `option_file`,
 * Dovecot `mysql_option_file`) and PyMySQL (`read_default_file`).
 * https://mariadb.com/kb/en/configuring-mariadb-with-option-files/
 */

/** Option groups (`[client]`) with their options, in order. */
export type MysqlOptionGroups = Readonly<Record<string, Readonly<Record<string, string | number>>>>;

/**
 * Characters a value may hold. The three parsers above disagree on quoting and escapes
 * (PyMySQL strips quotes but does not unescape), so we only write values that need
 * neither; `#` and `;` would start a comment.
 */
export const MYSQL_OPTION_VALUE = /^[A-Za-z0-9_.+=/:~^@%-]+$/;

/** Renders the groups; throws on a value that the parsers could read differently. */
export const renderMysqlOptionFile = (groups: MysqlOptionGroups): string =>
  Object.entries(groups)
    .map(([group, options]) =>
      [
        `[${group}]`,
        ...Object.entries(options).map(([name, value]) => {
          if (!MYSQL_OPTION_VALUE.test(String(value))) {
            throw new Error(
              `MySQL option ${group}.${name}: the value has characters outside ${MYSQL_OPTION_VALUE.source}; ` +
                'generate it from that alphabet (for a password: random_password with special = false).',
            );
          }
          return `${name} = ${value}`;
        }),
      ].join('\n'),
    )
    .join('\n\n') + '\n';
