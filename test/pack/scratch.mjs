// Shared by the package checks: pack the package as npm publishes it, and
// run commands in scratch projects.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

/** Runs a command; returns its stdout; its stderr goes to ours. */
export const run = (command, args, cwd, env = process.env) =>
  execFileSync(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

/**
 * `npm pack` into `dir`.
 * @returns The tarball's path, file name, packed size and the files it holds.
 */
export function pack(dir) {
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], root));
  return {
    tarball: join(dir, packed.filename),
    filename: packed.filename,
    size: packed.size,
    files: packed.files.map((f) => f.path),
  };
}

/** `npm install` of `specs` in `dir`, quietly and from the cache when it can. */
export function npmInstall(dir, specs) {
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', ...specs], dir);
}
