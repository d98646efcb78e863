// Shared by the package checks (smoke.mjs, consumers.mjs, tracing.mjs): pack
// the package as npm publishes it, install it into scratch projects the way a
// user's are, and run commands there.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Runs a command; returns its stdout; its stderr goes to ours. Throws if it fails. */
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

/**
 * Packs the package into a new temporary folder and installs the tarball in
 * an ESM project there, with `dependencies` (names of our dev dependencies,
 * at the versions we pin). The caller removes `work`.
 */
export function scratchProject(name, dependencies) {
  const work = mkdtempSync(join(tmpdir(), `sqs-partial-batch-${name}-`));
  try {
    const packed = pack(work);
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `${name}-app`, private: true, type: 'module' }));
    npmInstall(app, [
      packed.tarball,
      ...dependencies.map((dependency) => `${dependency}@${own.devDependencies[dependency]}`),
    ]);
    return { work, app, packed };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

/** Type-checks the files `include` matches in `app`, strict, with Node's module resolution, as a user's build would. */
export function typeCheck(app, include) {
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include,
    }),
  );
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], app);
}
