// Runs a command and prints one line when it passes, or everything it
// printed when it fails: `node test/pack/quietly.mjs publint --strict`.
import { spawnSync } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  console.error('usage: node test/pack/quietly.mjs <command> [args...]');
  process.exit(2);
}
const started = performance.now();
const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: false });
const line = `${[command, ...args].join(' ')}`;
if (result.error) {
  console.error(`${line}: could not start (${result.error.message})`);
  process.exit(1);
}
if (result.status !== 0) {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  console.error(`${line}: failed (exit ${result.status ?? result.signal})`);
  process.exit(result.status ?? 1);
}
console.log(`${line}: ok (${((performance.now() - started) / 1000).toFixed(1)} s)`);
