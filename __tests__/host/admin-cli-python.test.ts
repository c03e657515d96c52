/**
 * The Python unit tests of the host's scripts, stdlib unittest, run from Jest so that `npm test`
 * and `npm run test:unit` include them: `mirovoy-admin` (host/admin/mirovoy-admin.py) against a
 * fake database seam (__tests__/python/test_mirovoy_admin.py), and the header From milter's
 * decisions (host/from-check/mirovoy-from-check.py, __tests__/python/test_mirovoy_from_check.py).
 * Each Python test failure is shown with its traceback.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

it('mirovoy-admin and mirovoy-from-check pass their Python unit tests', () => {
  const run = spawnSync('python3', ['-m', 'unittest', 'discover', '-v', '-s', join(__dirname, '..', 'python')], { encoding: 'utf8' });
  const report = `${run.stderr}${run.error ? String(run.error) : ''}`;
  expect({ status: run.status, report }).toEqual({ status: 0, report: expect.stringMatching(/^Ran [1-9]\d* tests? in .*\n\nOK\n$/m) });
});
