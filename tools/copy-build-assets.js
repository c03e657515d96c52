/**
 * Second half of `npm run build`: copies the files that host/ reads at run time beside its
 * compiled modules (`readFileSync(join(__dirname, …))`): the shell bodies and the Python admin
 * tool, the PHP scripts, from host/ into dist/host/ at the same paths.
 */
const { cpSync, readdirSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const ASSET = /\.(sh|py|php)$/;

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : ASSET.test(entry.name) ? [join(dir, entry.name)] : [],
  );

const assets = walk(join(ROOT, 'host'));
for (const file of assets) cpSync(file, join(ROOT, 'dist', relative(ROOT, file)));
console.log(`copy-build-assets: ${assets.length} files into dist/host`);
