// Cold start as a Lambda function pays it: a handler module bundled with
// esbuild (minified, the AWS SDK external, as Lambda's Node.js runtimes ship
// it), imported by a fresh process that answers one 10-record invocation.
// Whole-process CPU time (user + system, Node's own start-up included),
// contenders paired and interleaved, so both sides of a ratio see the same
// machine; the budgets are medians of the per-pair ratios.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { median, table } from './fixtures.js';

const MINIMAL = {
  ours: `import { createBatchHandler } from 'sqs-partial-batch';
export const handler = createBatchHandler(async () => {});`,
  powertools: `import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
const processor = new BatchProcessor(EventType.SQS);
export const handler = (event, context) => processPartialResponse(event, async () => {}, processor, { context });`,
};

const ORDER = `const Order = z.object({ orderId: z.string(), amountCents: z.number().int() });`;

const WITH_SCHEMA = {
  ours: `import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';
${ORDER}
export const handler = createBatchHandler(async (record) => { if (record.body.amountCents < 0) throw new Error('x'); }, { schema: Order, metrics: { namespace: 'Orders' }, logger: false });`,
  powertools: `import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { z } from 'zod';
${ORDER}
const processor = new BatchProcessor(EventType.SQS, { parser, schema: SqsRecordSchema.extend({ body: JSONStringified(Order) }) });
export const handler = (event, context) => processPartialResponse(event, async (record) => { if (record.body.amountCents < 0) throw new Error('x'); }, processor, { context });`,
};

// The process each contender runs: import the bundle, answer one 10-record event with every field
// Lambda sends (Powertools' parser checks them all), print the process's CPU time and its built-in modules.
const RUNNER = `const { handler } = await import(process.argv[2]);
const now = String(Date.now());
const event = { Records: Array.from({ length: 10 }, (_, i) => ({
  messageId: '059f36b4-87a3-44ab-83d2-66197583000' + i, receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a' + i,
  body: JSON.stringify({ orderId: 'o-' + i, amountCents: 100 }),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'AIDAIENQZJOLO23YVJ4VO', ApproximateFirstReceiveTimestamp: now },
  messageAttributes: {}, md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3', eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders', awsRegion: 'eu-west-1' })) };
const deadline = Date.now() + 30000;
const context = { awsRequestId: 'r', functionName: 'orders', getRemainingTimeInMillis: () => deadline - Date.now() };
const response = await handler(event, context);
if (response.batchItemFailures.length !== 0) process.exit(1);
const usage = process.resourceUsage();
const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).length;
process.stdout.write(JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, builtins }));
`;

export interface ColdCpuPair {
  readonly name: string;
  readonly budget: number;
  readonly bytes: { readonly ours: number; readonly powertools: number };
  readonly cpuMs: { readonly ours: number; readonly powertools: number; readonly empty: number };
  readonly builtins: { readonly ours: number; readonly powertools: number; readonly empty: number };
  /** Median of the per-pair ratios ours / Powertools, and its middle half. */
  readonly ratio: number;
  readonly q1: number;
  readonly q3: number;
}

async function bundle(source: string, cwd: string, outfile: string): Promise<number> {
  const result = await build({
    stdin: { contents: source, resolveDir: cwd, loader: 'js' },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The AWS SDK ships with Lambda's runtimes. OpenTelemetry is external too: our span code is
    // imported only with `tracer`, but esbuild inlines a dynamic import when the package is installed.
    external: ['@aws-sdk/*', '@opentelemetry/api'],
    tsconfigRaw: {},
    alias: { 'sqs-partial-batch/sqs': join(cwd, 'dist/sqs.js'), 'sqs-partial-batch': join(cwd, 'dist/index.js') },
    outfile,
    logLevel: 'silent',
  });
  if (result.errors.length > 0) throw new Error(`bundling ${outfile} failed`);
  return (await import('node:fs')).statSync(outfile).size;
}

function quartile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Paired, interleaved fresh processes: ours, Powertools and an empty module, `runs` times each, per pair of handlers. */
export async function measureColdCpu(runs: number, cwd: string): Promise<ColdCpuPair[]> {
  const dir = join(cwd, 'node_modules', '.cache', 'bench', 'cold-cpu');
  mkdirSync(dir, { recursive: true });
  const runner = join(dir, 'runner.mjs');
  writeFileSync(runner, RUNNER);
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, 'export const handler = async () => ({ batchItemFailures: [] });\n');
  const run = (file: string) =>
    // The last line: a handler with metrics writes its EMF document to stdout first.
    JSON.parse(
      execFileSync(process.execPath, [runner, file], { cwd: dir, encoding: 'utf8' }).split('\n').at(-1) ?? '',
    ) as {
      cpuMs: number;
      builtins: number;
    };
  const rows: ColdCpuPair[] = [];
  for (const [name, pair, budget] of [
    ['minimal handler', MINIMAL, 1.05],
    ['zod schema + metrics (Powertools: its parser)', WITH_SCHEMA, 1.0],
  ] as const) {
    const key = name.startsWith('minimal') ? 'minimal' : 'schema';
    const files = { ours: join(dir, `${key}-ours.mjs`), powertools: join(dir, `${key}-powertools.mjs`) };
    const bytes = {
      ours: await bundle(pair.ours, cwd, files.ours),
      powertools: await bundle(pair.powertools, cwd, files.powertools),
    };
    const samples = { ours: [] as number[], powertools: [] as number[], empty: [] as number[] };
    const builtins = { ours: 0, powertools: 0, empty: 0 };
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      const order = (['ours', 'powertools', 'empty'] as const).slice();
      if (i % 2 === 1) order.reverse();
      const round: Record<string, number> = {};
      for (const who of order) {
        const out = run(who === 'empty' ? empty : files[who]);
        samples[who].push(out.cpuMs);
        builtins[who] = out.builtins;
        round[who] = out.cpuMs;
      }
      ratios.push((round.ours as number) / (round.powertools as number));
    }
    rows.push({
      name,
      budget,
      bytes,
      cpuMs: { ours: median(samples.ours), powertools: median(samples.powertools), empty: median(samples.empty) },
      builtins,
      ratio: median(ratios),
      q1: quartile(ratios, 0.25),
      q3: quartile(ratios, 0.75),
    });
  }
  return rows;
}

export function coldCpuTable(rows: readonly ColdCpuPair[], runs: number): string {
  const lines = rows.map((r) => [
    r.name,
    `${(r.bytes.ours / 1024).toFixed(1)} / ${(r.bytes.powertools / 1024).toFixed(1)}`,
    `${r.cpuMs.ours.toFixed(1)} / ${r.cpuMs.powertools.toFixed(1)} / ${r.cpuMs.empty.toFixed(1)}`,
    `${(r.cpuMs.ours - r.cpuMs.empty).toFixed(1)} / ${(r.cpuMs.powertools - r.cpuMs.empty).toFixed(1)}`,
    `${r.builtins.ours} / ${r.builtins.powertools} / ${r.builtins.empty}`,
    `**${r.ratio.toFixed(3)}x** (${r.q1.toFixed(2)} to ${r.q3.toFixed(2)})`,
    `<= ${r.budget.toFixed(2)}x`,
    r.ratio <= r.budget ? 'yes' : 'no',
  ]);
  return `${runs} rounds; each round runs a fresh \`node\` process per contender (ours, Powertools batch, an empty module), in alternating order. A process imports the bundled handler and answers one 10-record invocation with a Lambda context; it reports its own CPU time (user + system, from \`process.resourceUsage()\`, Node's start-up included) and how many built-in modules it loaded. The ratio is the median of the per-round ratios ours / Powertools (middle half in brackets).\n\n${table(
    [
      'handler',
      'bundle KB (ours / Powertools)',
      'CPU ms (ours / Powertools / empty)',
      'above empty (ms)',
      'built-in modules',
      'ratio',
      'budget',
      'met',
    ],
    lines,
  )}`;
}
