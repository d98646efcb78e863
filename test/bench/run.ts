// `npm run bench`: every measurement of BENCHMARKS.md, side by side in one run.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { coldTable, measureColdImports } from './cold.js';
import { coldCpuTable, measureColdCpu } from './coldCpu.js';
import { coldStartTable, measureColdStart } from './coldStart.js';
import { consumerBudgets, consumerTable, measureConsumers } from './consumer.js';
import { table } from './fixtures.js';
import { idempotencyTable, measureIdempotency } from './idempotency.js';
import { measureMemory } from './memory.js';
import { measureStoreEviction, storeEvictionTable } from './memoryStore.js';
import { budgetChecks, budgetTable, type Cell, measureOverhead, overheadTables } from './overhead.js';
import { BUNDLE_BUDGET_BYTES, sizeBreakdown, sizeTable } from './size.js';

const root = resolve(process.cwd()); // npm runs scripts from the package root
const quick = process.argv.includes('--quick');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const section = (title: string, body: string) => console.log(`\n## ${title}\n\n${body}\n`);
const wanted = (name: string) => only === undefined || only.split(',').includes(name);
/** `--sizes=10,100`: only the overhead cells of these batch sizes (for a quick look at one part). */
const sizes = process.argv
  .find((arg) => arg.startsWith('--sizes='))
  ?.slice('--sizes='.length)
  .split(',')
  .map(Number);

/** Every budget this run checked, for the closing summary. */
const summary: Array<{ budget: string; measured: string; met: boolean }> = [];

console.log(
  `# Benchmark run\n\nNode ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}, ${new Date().toISOString()}`,
);

if (wanted('overhead')) {
  // As Lambda calls a handler: with a context, batches of 10 (the event source mapping's default), 100 and 10,000.
  const cells: Cell[] = [];
  for (const size of [10, 100, 10_000]) {
    for (const mode of ['sequential', 'concurrency 10'] as const) {
      for (const mix of ['all valid', '6% failing'] as const) cells.push({ work: 'no-op', size, mode, mix });
    }
  }
  cells.push({ work: 'no-op', size: 10, mode: 'sequential', mix: 'one invalid JSON' });
  cells.push({ work: 'no-op', size: 10, mode: 'sequential', mix: 'all invalid JSON' });
  cells.push({ work: 'no-op', size: 100, mode: 'sequential', mix: 'all invalid JSON' });
  cells.push({ work: '1 ms timer', size: 10, mode: 'concurrency 10', mix: '6% failing' });
  // The same production-shaped cells after a long warm-up, as a function serving traffic runs them.
  for (const cell of cells.filter((c) => c.size <= 100 && c.work === 'no-op')) cells.push({ ...cell, warmup: 'long' });
  const chosen = sizes === undefined ? cells : cells.filter((cell) => sizes.includes(cell.size));
  const rows = await measureOverhead(chosen, quick ? 200 : 1000, quick ? 30 : 200);
  const checks = budgetChecks(rows);
  for (const c of checks) summary.push({ budget: `${c.cell}: ${c.budget}`, measured: c.measured, met: c.met });
  section('Budgets (per-record overhead, production call shape)', budgetTable(checks));
  section('Per-record overhead (zod validation, Lambda context, called as Lambda calls it)', overheadTables(rows));
  const missed = checks.filter((c) => !c.met).length;
  console.log(missed === 0 ? 'Every budget met.' : `${missed} budget(s) not met.`);
}
if (wanted('cold')) {
  const pairs = quick ? 10 : 40;
  const cold = await measureColdCpu(pairs, root);
  for (const r of cold) {
    summary.push({
      budget: `cold start, ${r.name}: <= ${r.budget.toFixed(2)}x Powertools`,
      measured: `${r.ratio.toFixed(3)}x (middle half ${r.q1.toFixed(2)} to ${r.q3.toFixed(2)})`,
      met: r.ratio <= r.budget,
    });
  }
  section('Budget: cold start (bundled handler, whole-process CPU, paired)', coldCpuTable(cold, pairs));
  const runs = quick ? 5 : 21;
  section('Cold start (whole process, one invocation)', coldStartTable(measureColdStart(runs, root), runs));
  section('Cold import', coldTable(measureColdImports(quick ? 3 : 11, root), quick ? 3 : 11));
}
if (wanted('size')) {
  const size = await sizeTable(root);
  summary.push({
    budget: `minimal handler bundle: <= ${BUNDLE_BUDGET_BYTES / 1024} KB minified`,
    measured: `${(size.minimalBytes / 1024).toFixed(1)} KB`,
    met: size.minimalBytes <= BUNDLE_BUDGET_BYTES,
  });
  section('Bundle size of a minimal handler (esbuild, minified, AWS SDK and OpenTelemetry external)', size.text);
  section("Where the minimal handler's bytes go", await sizeBreakdown(root));
}
if (wanted('idempotency')) {
  section('Idempotency cost per 10-record batch', idempotencyTable(await measureIdempotency(quick ? 10 : 50)));
}
if (wanted('memory')) section('Memory', await measureMemory());
if (wanted('memory')) section('Memory store eviction', storeEvictionTable(await measureStoreEviction(quick ? 14 : 30)));
if (wanted('consumer')) {
  const messages = quick ? 1000 : 3000;
  const consumers = await measureConsumers(root, quick ? 1 : 3, messages);
  const { at10, at50 } = consumerBudgets(consumers);
  summary.push(
    { budget: 'consumer, concurrency 10: >= 1.2x sqs-consumer', measured: `${at10.toFixed(2)}x`, met: at10 >= 1.2 },
    { budget: 'consumer, concurrency 50: >= 3x sqs-consumer', measured: `${at50.toFixed(2)}x`, met: at50 >= 3 },
  );
  section('Consumer throughput on the emulator (10 ms of work per record)', consumerTable(consumers, messages));
}

if (summary.length > 0) {
  const missed = summary.filter((b) => !b.met).length;
  section(
    'Every budget of this run',
    `${table(
      ['budget', 'measured', 'met'],
      summary.map((b) => [b.budget, b.measured, b.met ? 'yes' : '**no**']),
    )}\n\n${missed === 0 ? 'Every budget met.' : `${missed} budget(s) not met.`}`,
  );
}
