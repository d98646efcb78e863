// Runs npm scripts at the same time and prints each one's output when it ends
// (so their lines do not interleave); fails when any fails. `npm test` runs
// the unit tests beside the package checks: the two cores are never both idle.
import { spawn } from 'node:child_process';

const scripts = process.argv.slice(2);
const started = performance.now();
const runs = scripts.map(
  (script) =>
    new Promise((resolve) => {
      const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      child.on('close', (code) => {
        const seconds = ((performance.now() - started) / 1000).toFixed(0);
        process.stdout.write(
          `${output.trimEnd()}\n${script}: ${code === 0 ? 'passed' : `failed (exit ${code})`} after ${seconds} s\n`,
        );
        resolve(code === 0);
      });
    }),
);
const passed = await Promise.all(runs);
if (passed.includes(false)) process.exitCode = 1;
