import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Run } from './cases.js';

export const ROOT = join(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli.js');
const LOCK = join(ROOT, 'node_modules/.cache/cli-build.lock');

/**
 * Builds the package when dist/cli.js is missing or older than its sources (`npm test` builds after the
 * unit tests). Test files that run the bin call it in parallel: a lock lets one of them build.
 */
export function ensureBuilt(): void {
  const started = Date.now();
  for (;;) {
    if (isFresh()) return;
    try {
      mkdirSync(LOCK, { recursive: false });
    } catch (error) {
      // Another file is building; a lock older than two minutes is left over from a killed run.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() - started > 120_000) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      continue;
    }
    try {
      if (!isFresh()) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
      return;
    } finally {
      rmdirSync(LOCK);
    }
  }
}

function isFresh(): boolean {
  // Recursive: editing src/cli/rules/*.ts does not touch the folder's own time.
  const sources = readdirSync(join(ROOT, 'src/cli'), { recursive: true }).map(
    (f) => statSync(join(ROOT, 'src/cli', String(f))).mtimeMs,
  );
  try {
    return statSync(CLI).mtimeMs >= Math.max(...sources);
  } catch {
    return false;
  }
}

/** Runs the built bin as a child process, as `npx sqs-partial-batch` does; `input` is its standard input. */
export function runBin(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
      cwd: ROOT,
      env: options.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input);
  });
}
