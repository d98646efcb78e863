// Cold import time of each entry point: fresh Node processes, median of N runs,
// entries interleaved so that drift on a shared machine hits them alike.
import { execFileSync } from 'node:child_process';
import { median, table } from './fixtures.js';

export const ENTRIES = [
  'sqs-partial-batch',
  'sqs-partial-batch/redis',
  'sqs-partial-batch/dynamodb',
  'sqs-partial-batch/testing',
  '@aws-lambda-powertools/batch',
  '@aws-lambda-powertools/batch/parser',
  '@aws-lambda-powertools/idempotency',
  '@aws-lambda-powertools/idempotency/dynamodb',
  '@middy/core',
  '@middy/sqs-partial-batch-failure',
] as const;

export function measureColdImports(runs: number, cwd: string): Array<{ entry: string; ms: number }> {
  const samples = new Map<string, number[]>(ENTRIES.map((e) => [e, []]));
  for (let run = 0; run < runs; run++) {
    for (const entry of ENTRIES) {
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(entry)}); console.log(performance.now() - t);`,
        ],
        { cwd, encoding: 'utf8' },
      );
      samples.get(entry)?.push(Number(out.trim()));
    }
  }
  return ENTRIES.map((entry) => ({ entry, ms: median(samples.get(entry) ?? []) }));
}

export function coldTable(rows: ReadonlyArray<{ entry: string; ms: number }>, runs: number): string {
  return `Median of ${runs} fresh processes, time of the \`import()\` alone (Node's own start-up excluded).\n\n${table(
    ['entry point', 'cold import (ms)'],
    rows.map((r) => [`\`${r.entry}\``, r.ms.toFixed(1)]),
  )}`;
}
