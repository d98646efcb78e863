// `npm run bench`: every measurement of BENCHMARKS.md, side by side in one run.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { coldTable, measureColdImports } from './cold.js';
import { consumerTable, measureConsumers } from './consumer.js';
import { idempotencyTable, measureIdempotency } from './idempotency.js';
import { measureMemory } from './memory.js';
import { measureOverhead, overheadTables } from './overhead.js';
import { sizeTable } from './size.js';

const root = resolve(process.cwd()); // npm runs scripts from the package root
const quick = process.argv.includes('--quick');
const section = (title: string, body: string) => console.log(`\n## ${title}\n\n${body}\n`);

console.log(
  `# Benchmark run\n\nNode ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}, ${new Date().toISOString()}`,
);
section(
  'Per-record overhead (zod validation)',
  overheadTables(
    await measureOverhead(
      [
        { work: 'no-op', sizes: [10, 100, 10_000] },
        { work: '1 ms timer', sizes: [10, 100] },
      ],
      quick ? 200 : 1000,
      quick ? 30 : 200,
    ),
  ),
);
section('Cold import', coldTable(measureColdImports(quick ? 3 : 11, root), quick ? 3 : 11));
section('Bundle size of a minimal handler (esbuild, minified, AWS SDK external)', await sizeTable(root));
section('Idempotency cost per 10-record batch', idempotencyTable(await measureIdempotency(quick ? 10 : 50)));
section('Memory', await measureMemory());
const consumerMessages = quick ? 1000 : 3000;
section(
  'Consumer throughput on the emulator (10 ms of work per record)',
  consumerTable(await measureConsumers(root, quick ? 1 : 3, consumerMessages), consumerMessages),
);
