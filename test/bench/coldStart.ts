// Cold start as Lambda sees it: a fresh Node process imports a handler module
// (zod schema and the batch library) and answers one invocation. Whole
// processes, ours and Powertools batch interleaved, median of N.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, table } from './fixtures.js';

// A 10-record event with every field Lambda sends (Powertools' parser checks them all).
const EVENT = `{ Records: Array.from({ length: 10 }, (_, i) => ({
  messageId: '059f36b4-87a3-44ab-83d2-66197583000' + i, receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a' + i,
  body: JSON.stringify({ orderId: 'o-' + i, amountCents: 100 }),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'AIDAIENQZJOLO23YVJ4VO',
    ApproximateFirstReceiveTimestamp: String(Date.now()) },
  messageAttributes: {}, md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3', eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders', awsRegion: 'eu-west-1' })) }`;
const CONTEXT = `{ awsRequestId: 'r', getRemainingTimeInMillis: () => 30000 }`;

const HANDLERS: Record<string, string> = {
  'sqs-partial-batch': `
import { createBatchHandler } from 'sqs-partial-batch';
import { z } from 'zod';
const Order = z.object({ orderId: z.string(), amountCents: z.number().int() });
const handler = createBatchHandler(async (record) => { if (record.body.amountCents < 0) throw new Error('x'); }, { schema: Order, logger: false });
const response = await handler(${EVENT}, ${CONTEXT});
if (response.batchItemFailures.length !== 0) process.exit(1);`,
  'Powertools batch + parser': `
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { z } from 'zod';
const Order = z.object({ orderId: z.string(), amountCents: z.number().int() });
const processor = new BatchProcessor(EventType.SQS, { parser, schema: SqsRecordSchema.extend({ body: JSONStringified(Order) }) });
const context = ${CONTEXT};
const response = await processPartialResponse(${EVENT}, async (record) => { if (record.body.amountCents < 0) throw new Error('x'); }, processor, { context });
if (response.batchItemFailures.length !== 0) process.exit(1);`,
  'Powertools batch, plain': `
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { z } from 'zod';
const Order = z.object({ orderId: z.string(), amountCents: z.number().int() });
const processor = new BatchProcessor(EventType.SQS);
const context = ${CONTEXT};
const response = await processPartialResponse(${EVENT}, async (record) => { const o = Order.parse(JSON.parse(record.body)); if (o.amountCents < 0) throw new Error('x'); }, processor, { context });
if (response.batchItemFailures.length !== 0) process.exit(1);`,
  'node only (empty module)': '',
};

export interface ColdStartRow {
  readonly name: string;
  readonly ms: number;
}

/** Median wall time of a fresh `node handler.mjs` per contender, interleaved. */
export function measureColdStart(runs: number, root: string): ColdStartRow[] {
  const dir = join(root, 'node_modules', '.cache', 'bench', 'cold');
  mkdirSync(dir, { recursive: true });
  const files = Object.entries(HANDLERS).map(([name, source], i) => {
    // Inside the package root, so `sqs-partial-batch` resolves to the built package by self-reference.
    const file = join(root, `.bench-cold-${i}.mjs`);
    writeFileSync(file, source);
    return { name, file };
  });
  const samples = new Map<string, number[]>(files.map((f) => [f.name, []]));
  try {
    for (let run = 0; run < runs; run++) {
      for (const { name, file } of run % 2 === 0 ? files : [...files].reverse()) {
        const start = process.hrtime.bigint();
        const result = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`);
        samples.get(name)?.push(ms);
      }
    }
  } finally {
    for (const { file } of files) spawnSync('rm', ['-f', file]);
  }
  return files.map(({ name }) => ({ name, ms: median(samples.get(name) ?? []) }));
}

export function coldStartTable(rows: readonly ColdStartRow[], runs: number): string {
  const node = rows.find((r) => r.name === 'node only (empty module)')?.ms ?? 0;
  const ours = rows.find((r) => r.name === 'sqs-partial-batch')?.ms ?? Number.NaN;
  return `Median of ${runs} fresh processes each, interleaved: \`node handler.mjs\` imports zod and the library, builds the handler and answers one 10-record invocation. Whole-process wall time, Node's own start-up included (the last row).\n\n${table(
    ['handler module', 'process (ms)', 'above bare Node (ms)', 'x ours'],
    rows.map((r) => [r.name, r.ms.toFixed(1), (r.ms - node).toFixed(1), (r.ms / ours).toFixed(2)]),
  )}`;
}
