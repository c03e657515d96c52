/**
 * The config's `admin` against what the hosts are: an administrator must not take the name of an
 * account the hosts already have (`host/base/admin-user.ts` lists them).
 */
import { ConfigRule } from '../configs/rules';
import { adminUsernameProblem } from '../host/base/admin-user';

/** `admin.username` naming a system account of the hosts. `validateMirovoyConfig` runs it. */
export const adminUserProblems: ConfigRule = (config) => {
  const message = config.admin ? adminUsernameProblem(config.admin.username) : null;
  return message ? [{ path: 'admin.username', value: config.admin!.username, message }] : [];
};
