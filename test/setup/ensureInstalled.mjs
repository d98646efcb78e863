// `npm test` on a fresh clone installs first, so the README's test command is
// one line without installing twice after `npm ci && npm run demo`: it runs
// `npm ci` only when node_modules is missing or older than package-lock.json.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json'; // npm writes it at the end of every install
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  console.log('node_modules is missing or older than package-lock.json: running npm ci first');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
