import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FIXTURES } from './cases.js';
import { ensureBuilt, runBin } from './runBin.js';

// #23: every hostile input ends within 5 s and 300 MB, with exit code 2 and a one-line reason.
const dir = mkdtempSync(join(tmpdir(), 'spb-hostile-'));
const hostile = (name: string) => join(FIXTURES, 'hostile', name);

/** Each input and the reason it must be refused with. */
const INPUTS: readonly (readonly [string, () => string, RegExp])[] = [
  ['a 555-byte alias bomb', () => hostile('alias-bomb.yaml'), /:7:10: YAML aliases expand to more than 100,000 values/],
  [
    'an alias inside its own anchor',
    () => hostile('self-alias.yaml'),
    /:6:13: the YAML alias \*queue refers to a node/,
  ],
  ['a 50 MB file', () => sized('big.json', 50 * 1024 * 1024), /: is 50\.0 MB; the check reads at most 5\.0 MB/],
  [
    '100,000 nested flow sequences',
    () => written('deep.yaml', `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`),
    /:1:1: nests more than 1,000 levels deep/,
  ],
  [
    '100,000 nested JSON objects',
    () => written('deep.json', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`),
    /:1:1: nests more than 1,000 levels deep/,
  ],
  [
    '100,000 compact block sequences',
    () => written('deep-block.yaml', `a:\n${'- '.repeat(100_000)}x\n`),
    /:2:1: nests more than 1,000 levels deep/,
  ],
  [
    'a million list items in 2 MB',
    () => written('wide.yaml', `Resources: {}\nx: [${'1,'.repeat(1_000_000)}1]\n`),
    /has more than 80,000 lines and flow collections and items/,
  ],
  ['a binary file', () => hostile('binary.yaml'), /: is a binary file, not a template$/],
  ['UTF-16 text', () => hostile('utf16.yaml'), /: is UTF-16 text; save it as UTF-8/],
  [
    'two YAML documents',
    () => hostile('two-documents.yaml'),
    /:3:1: invalid YAML: the file holds several YAML documents \(---\); a template is one$/,
  ],
  ['an empty file', () => written('empty.yaml', ''), /: is empty$/],
  [
    'a named pipe with no writer',
    () => fifo('pipe.yaml'),
    /: is a named pipe, not a regular file \(use - for standard input\)$/,
  ],
  ['a directory without .tf files', () => directory('folder'), /: is a directory without \.tf files/],
];

function written(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}
function sized(name: string, bytes: number): string {
  // Sparse: the size is what is refused, before a byte is read.
  writeFileSync(join(dir, name), '');
  truncateSync(join(dir, name), bytes);
  return join(dir, name);
}
function fifo(name: string): string {
  rmSync(join(dir, name), { force: true });
  execFileSync('mkfifo', [join(dir, name)]);
  return join(dir, name);
}
function directory(name: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  return join(dir, name);
}

async function runInProcess(argv: readonly string[], stdin?: AsyncIterable<Uint8Array>) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    ...(stdin ? { stdin } : {}),
  });
  return { code, stdout, stderr };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile input, in process', () => {
  it.each(INPUTS)('%s: exit 2 and one line', async (_, make, reason) => {
    const file = make();
    const { code, stdout, stderr } = await runInProcess(['check', file, '--format', 'json']);
    expect(code).toBe(2);
    expect(stderr.split('\n')).toEqual([expect.stringMatching(reason), '']);
    expect(JSON.parse(stdout).summary).toMatchObject({ unreadable: 1, eventSources: 0 });
  });

  it('reads a template from standard input for -', async () => {
    const template = readFileSync(join(FIXTURES, 'sam-missing-report.yaml'));
    const { code, stdout } = await runInProcess(['check', '-', '--format', 'json'], Readable.from([template]));
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.templates).toEqual([{ file: '<stdin>', sources: 1 }]);
    expect(report.findings[0]).toMatchObject({
      rule: 'report-batch-item-failures',
      location: { file: '<stdin>', line: 24 },
    });
  });

  it('refuses more than 5 MB on standard input, without reading on', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const endless = Readable.from(
      (function* () {
        for (;;) yield chunk;
      })(),
    );
    const { code, stderr } = await runInProcess(['check', '-'], endless);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "sqs-partial-batch: <stdin>: is more than 5.0 MB; the check reads at most 5.0 MB (CloudFormation's limit is 1 MB)\n",
    );
  });
});

describe('hostile input, the built bin', () => {
  beforeAll(ensureBuilt, 120_000);

  it('ends every hostile input within 5 s and 300 MB, exit 2, one line, no stack trace', async () => {
    const runs = await Promise.all(
      INPUTS.map(async ([name, make, reason]) => {
        const memory = join(dir, `${name.replace(/\W+/g, '-')}.rss`);
        const started = performance.now();
        const run = await runBin(['check', make()], {
          nodeArgs: ['--import', join(import.meta.dirname, 'peakMemory.mjs')],
          env: { ...process.env, SPB_PEAK_MEMORY_FILE: memory },
        });
        return {
          name,
          reason,
          run,
          seconds: (performance.now() - started) / 1000,
          bytes: Number(readFileSync(memory, 'utf8')),
        };
      }),
    );
    for (const { name, reason, run, seconds, bytes } of runs) {
      expect({ name, code: run.code }).toEqual({ name, code: 2 });
      expect(run.stderr.split('\n'), name).toEqual([expect.stringMatching(reason), '']);
      expect(run.stderr, name).not.toMatch(/\n\s+at /);
      expect(seconds, name).toBeLessThan(5);
      expect(bytes, name).toBeLessThan(300 * 1024 * 1024);
    }
  }, 30_000);
});
