// A fresh project with the packed package installed, the way a user's is:
// what the pack checks (smoke.mjs, tracing.mjs) share.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');
const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Runs a command and returns its stdout; its stderr shows. Throws if it fails. */
export function run(command, args, cwd, env = process.env) {
  return execFileSync(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
}

/**
 * Packs the package into a new temporary folder and installs the tarball in
 * an ESM project there, with `dependencies` (names of our dev dependencies,
 * at the versions we pin). The caller removes `work`.
 */
export function scratchProject(name, dependencies) {
  const work = mkdtempSync(join(tmpdir(), `sqs-partial-batch-${name}-`));
  try {
    return install(name, dependencies, work);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

function install(name, dependencies, work) {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root))[0];
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `${name}-app`, private: true, type: 'module' }));
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--prefer-offline',
      join(work, packed.filename),
      ...dependencies.map((dependency) => `${dependency}@${own.devDependencies[dependency]}`),
    ],
    app,
  );
  return { work, app, packed };
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
