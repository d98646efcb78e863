// Per-record overhead of each way to answer an SQS batch, on the same events.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { Bench } from 'tinybench';
import { createBatchHandler } from '../../src/index.js';
import { Order, orderEvent, table, WORK, type WorkName } from './fixtures.js';

type Handler = (event: SQSEvent) => Promise<unknown>;
const context = {} as Context;

function contenders(work: (order: Order) => Promise<void>): Record<string, Handler> {
  const floor: Handler = async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const parsed = Order.safeParse(JSON.parse(record.body));
        if (!parsed.success) throw parsed.error;
        await work(parsed.data);
      } catch {
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
  const ours = createBatchHandler((record) => work(record.body), { schema: Order });
  const ours10 = createBatchHandler((record) => work(record.body), { schema: Order, concurrency: 10 });

  const plainProcessor = new BatchProcessor(EventType.SQS);
  const plain = (record: SQSRecord) => work(Order.parse(JSON.parse(record.body)));
  const schemaProcessor = new BatchProcessor(EventType.SQS, {
    parser,
    schema: SqsRecordSchema.extend({ body: JSONStringified(Order) }),
  });
  const innerProcessor = new BatchProcessor(EventType.SQS, { parser, innerSchema: Order, transformer: 'json' });
  const parsed = (record: { body: Order }) => work(record.body);

  const middyHandler = middy(async (event: SQSEvent) =>
    Promise.allSettled(event.Records.map(async (record) => work(Order.parse(JSON.parse(record.body))))),
  ).use(sqsPartialBatchFailure());

  return {
    'floor: hand-written loop': floor,
    'sqs-partial-batch, sequential': (event) => ours(event),
    'sqs-partial-batch, concurrency 10': (event) => ours10(event),
    'Powertools batch, plain': (event) => processPartialResponse(event, plain, plainProcessor, { context }),
    'Powertools batch + parser (schema)': (event) =>
      processPartialResponse(event, parsed as never, schemaProcessor, { context }),
    'Powertools batch + parser (innerSchema)': (event) =>
      processPartialResponse(event, parsed as never, innerProcessor, { context }),
    'middy + sqs-partial-batch-failure': (event) => middyHandler(event, context),
  };
}

export interface OverheadRow {
  readonly work: WorkName;
  readonly size: number;
  readonly name: string;
  /** Mean microseconds per record. */
  readonly usPerRecord: number;
  readonly rme: number;
}

export async function measureOverhead(
  plan: ReadonlyArray<{ work: WorkName; sizes: number[] }>,
  timeMs: number,
): Promise<OverheadRow[]> {
  const rows: OverheadRow[] = [];
  for (const { work, sizes } of plan) {
    const handlers = contenders(WORK[work]);
    for (const size of sizes) {
      const event = orderEvent(size);
      for (const [name, handler] of Object.entries(handlers)) {
        const response = (await handler(event)) as SQSBatchResponse;
        if (response.batchItemFailures.length !== 0) throw new Error(`${name} failed records on a valid batch`);
      }
      const bench = new Bench({
        time: timeMs,
        warmupTime: Math.min(200, timeMs / 2),
        iterations: work === 'no-op' ? 64 : 10,
      });
      for (const [name, handler] of Object.entries(handlers)) bench.add(name, () => handler(event));
      await bench.run();
      for (const task of bench.tasks) {
        const result = task.result as { state?: string; latency?: { mean: number; rme: number } };
        if (!result.latency) throw new Error(`${task.name} did not complete`);
        rows.push({
          work,
          size,
          name: task.name,
          usPerRecord: (result.latency.mean * 1000) / size,
          rme: result.latency.rme,
        });
      }
    }
  }
  return rows;
}

export function overheadTables(rows: readonly OverheadRow[]): string {
  const out: string[] = [];
  const groups = new Map<string, OverheadRow[]>();
  for (const row of rows) {
    const key = `${row.work}|${row.size}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const [key, group] of groups) {
    const [work, size] = key.split('|');
    const floor = group.find((r) => r.name.startsWith('floor')) as OverheadRow;
    out.push(`**${work} record function, batch of ${Number(size).toLocaleString('en-US')}**\n`);
    out.push(
      table(
        ['handler', 'µs per record', '± %', 'x floor'],
        group.map((r) => [
          r.name,
          r.usPerRecord.toFixed(work === 'no-op' ? 2 : 1),
          r.rme.toFixed(1),
          (r.usPerRecord / floor.usPerRecord).toFixed(2),
        ]),
      ),
    );
    out.push('');
  }
  return out.join('\n');
}
