// The docs and examples, as a user gets them: installs the packed package
// into a scratch project with two consumers, one ESM ("type": "module") and
// one CommonJS, and in each
//   - type-checks (tsc, strict) every TypeScript block of README.md, every
//     file in examples/ (but the SAM folder) and the example scenarios;
//   - runs every example with its scenario (test/examples/scenarios.ts):
//     a realistic event, a Lambda context, assertions on the response.
// A README block that does not compile fails with its line in README.md.
//
// The package under test is installed from its tarball, as npm would. The
// examples' own imports (zod, the AWS SDK, ioredis, ...) and the scenarios'
// local services (fauxqs, dynalite) are linked from this repository's
// node_modules, at the versions it tests with.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { npmInstall, pack, root } from './scratch.mjs';

/**
 * The TypeScript blocks of a Markdown file: `{ line, code, checked }`, `line`
 * being the first code line (1-based). A block fenced ` ```ts no-check ` is
 * not checked (for code that needs a package this project does not install).
 */
export function typescriptBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*(`{3,}|~{3,})\s*(?:ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!fence) continue;
    const close = new RegExp(`^\\s*${fence[1][0]}{${fence[1].length},}\\s*$`);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !close.test(lines[end])) end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n'), checked: !/\bno-check\b/.test(fence[2]) });
    i = end;
  }
  return blocks;
}

/** Bare package names a TypeScript source imports (not relative, not `node:`, not this package). */
function importedPackages(source) {
  const names = new Set();
  for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('sqs-partial-batch'))
      continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return names;
}

/** Runs a command; resolves with its combined output, rejects with it when it fails. */
function exec(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(Object.assign(new Error(output), { output }))));
  });
}

const started = performance.now();
const work = mkdtempSync(join(tmpdir(), 'sqs-partial-batch-consumers-'));
let failed = false;
try {
  // README.md and every page of docs/: each TypeScript block, named after its file.
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  const allBlocks = pages.flatMap((page) =>
    typescriptBlocks(readFileSync(join(root, page), 'utf8')).map((block) => ({ ...block, page })),
  );
  const blocks = allBlocks.filter((block) => block.checked);
  const unchecked = allBlocks.filter((block) => !block.checked).map((block) => block.line);
  const sources = [
    'examples',
    'test/examples/scenarios.ts',
    'test/examples/services.ts',
    'test/examples/run.ts',
    'test/helpers/redis.ts',
    'test/helpers/dynalite.d.ts',
    // The consumer's reproductions of issue #18, run after the examples.
    'test/pack/consumerFaults.ts',
    'test/helpers/sqsModel.ts',
  ];

  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  npmInstall(consumer, [pack(work).tarball]);

  // Link what the examples, the README blocks and the scenarios import, plus Node's types.
  const packages = new Set(['@types/node']);
  const staged = join(work, 'staged');
  for (const source of sources) {
    cpSync(join(root, source), join(staged, source), {
      recursive: true,
      filter: (path) => !relative(join(root, 'examples'), path).startsWith('sam'),
    });
  }
  const stagedFiles = readdirSync(staged, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of stagedFiles) {
    for (const name of importedPackages(readFileSync(join(staged, file), 'utf8'))) packages.add(name);
  }
  const exampleCount = stagedFiles.filter((f) => f.startsWith('examples')).length;
  for (const block of blocks) for (const name of importedPackages(block.code)) packages.add(name);
  packages.delete('aws-lambda'); // types only: @types/aws-lambda comes with the package, as for a user
  const missing = [...packages].filter((name) => !existsSync(join(root, 'node_modules', name)));
  if (missing.length > 0) {
    throw new Error(
      `README blocks or examples import ${missing.map((name) => `\`${name}\``).join(', ')}, not installed in this repository: add to devDependencies (or fence a README block \`\`\`ts no-check)`,
    );
  }
  for (const name of packages) {
    const target = join(root, 'node_modules', name);
    const link = join(consumer, 'node_modules', name);
    try {
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(target, link, 'dir');
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }

  const kinds = [
    { label: 'ESM', type: 'module' },
    { label: 'CommonJS', type: 'commonjs' },
  ];
  const results = await Promise.allSettled(
    kinds.map(async ({ label, type }) => {
      const dir = join(consumer, type);
      cpSync(staged, dir, { recursive: true });
      mkdirSync(join(dir, 'readme'));
      for (const block of blocks) {
        // `export {}` keeps each block a module of its own, as a file in an app is.
        writeFileSync(join(dir, 'readme', `${slug(block.page)}-line-${block.line}.ts`), `${block.code}\nexport {};\n`);
      }
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type }));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2022',
            lib: ['ES2023'],
            types: ['node'],
            skipLibCheck: true,
            rootDir: '.',
            outDir: 'out',
          },
          include: ['examples', 'test', 'readme'],
        }),
      );
      try {
        await exec(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], {
          cwd: dir,
        });
      } catch (error) {
        throw new Error(`${label} consumer: tsc failed\n${explain(error.output)}`);
      }
      const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'silent' };
      let output;
      try {
        output = await exec(
          process.execPath,
          [join(dir, 'out/test/examples/run.js'), join(dir, 'examples'), join(dir, 'out/examples'), label],
          { cwd: dir, env },
        );
      } catch (error) {
        throw new Error(`${label} consumer: running the examples failed\n${error.output}`);
      }
      try {
        const faults = await exec(process.execPath, [join(dir, 'out/test/pack/consumerFaults.js')], { cwd: dir, env });
        return `${output}${label}: ${faults}`;
      } catch (error) {
        throw new Error(`${label} consumer: the consumer's fault reproductions failed\n${error.output}`);
      }
    }),
  );
  for (const result of results) {
    if (result.status === 'fulfilled') process.stdout.write(result.value);
    else {
      failed = true;
      console.error(result.reason.message);
    }
  }
  if (!failed) {
    console.log(
      `README and docs/: ${blocks.length} TypeScript blocks${unchecked.length > 0 ? ` (and ${unchecked.length} marked no-check, at line ${unchecked.join(', ')})` : ''} and ${exampleCount} example files type-check against the packed package as ESM and CommonJS (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;

/** A page's path as a file name: `docs/testing.md` gives `docs--testing`. */
function slug(page) {
  return page.replace(/\.md$/, '').replaceAll('/', '--');
}

function unslug(name) {
  return `${name.replaceAll('--', '/')}.md`;
}

/** tsc's errors, with those in README and docs blocks pointed at their line in the page. */
function explain(output) {
  return output
    .split('\n')
    .map((line) => {
      const match = /^readme[/\\](.+)-line-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line.trim());
      if (!match) return line;
      const [, page, first, row, column, message] = match;
      return `${unslug(page)}:${Number(first) + Number(row) - 1}:${column}: ${message}  (TypeScript block at line ${first})`;
    })
    .join('\n');
}
