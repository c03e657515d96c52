/**
 * The Python unit tests of `mirovoy-admin` (host/admin/mirovoy-admin.py), stdlib unittest against
 * a fake database seam (__tests__/python/test_mirovoy_admin.py), run from Jest so that `npm test`
 * and `npm run test:unit` include them. Each Python test failure is shown with its traceback.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

it('mirovoy-admin passes its Python unit tests', () => {
  const run = spawnSync('python3', ['-m', 'unittest', 'discover', '-v', '-s', join(__dirname, '..', 'python')], { encoding: 'utf8' });
  const report = `${run.stderr}${run.error ? String(run.error) : ''}`;
  expect({ status: run.status, report }).toEqual({ status: 0, report: expect.stringMatching(/^Ran [1-9]\d* tests? in .*\n\nOK\n$/m) });
});
