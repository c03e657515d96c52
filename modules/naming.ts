/** Names visible in AWS are kebab-case and carry the environment: `mail-<environment>-<role>`. */
export const awsName = (environment: string, role: string): string => `mail-${environment}-${role}`;
