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
import { median, Order, orderEvent, table, WORK, type WorkName } from './fixtures.js';

type Handler = (event: SQSEvent) => Promise<unknown>;
const FLOOR = 'floor: hand-written loop';
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
    [FLOOR]: floor,
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
  /** Median over the rounds of the mean microseconds per record. */
  readonly usPerRecord: number;
  /** Median over the rounds of this contender's time divided by the floor's in the same round. */
  readonly ratio: number;
  /** Lowest and highest per-round ratio. */
  readonly ratioRange: readonly [number, number];
}

/**
 * Times every contender on the same event in `rounds` rounds. Each round runs
 * all contenders one after another, starting from a different one each round,
 * so no contender always pays for the garbage the one before it left. A
 * ratio is taken within a round (same machine state for both sides) and the
 * median over rounds is reported: on a shared machine that is far steadier
 * than one long run per contender.
 */
export async function measureOverhead(
  plan: ReadonlyArray<{ work: WorkName; sizes: number[] }>,
  timeMs: number,
  rounds: number,
): Promise<OverheadRow[]> {
  const rows: OverheadRow[] = [];
  for (const { work, sizes } of plan) {
    const handlers = contenders(WORK[work]);
    const names = Object.keys(handlers);
    for (const size of sizes) {
      const event = orderEvent(size);
      for (const [name, handler] of Object.entries(handlers)) {
        const response = (await handler(event)) as SQSBatchResponse;
        if (response.batchItemFailures.length !== 0) throw new Error(`${name} failed records on a valid batch`);
      }
      const samples = new Map<string, { us: number[]; ratio: number[] }>(names.map((n) => [n, { us: [], ratio: [] }]));
      for (let round = 0; round < rounds; round++) {
        const bench = new Bench({
          time: timeMs,
          warmupTime: timeMs / 5,
          iterations: work === 'no-op' ? 64 : 10,
        });
        const order = names.map((_, i) => names[(i + round) % names.length] as string);
        for (const name of order) {
          const handler = handlers[name] as Handler;
          bench.add(name, () => handler(event));
        }
        await bench.run();
        const usOf = new Map<string, number>();
        for (const task of bench.tasks) {
          const result = task.result as { latency?: { mean: number } };
          if (!result.latency) throw new Error(`${task.name} did not complete`);
          usOf.set(task.name, (result.latency.mean * 1000) / size);
        }
        const floorUs = usOf.get(FLOOR) as number;
        for (const [name, us] of usOf) {
          const sample = samples.get(name) as { us: number[]; ratio: number[] };
          sample.us.push(us);
          sample.ratio.push(us / floorUs);
        }
      }
      for (const name of names) {
        const { us, ratio } = samples.get(name) as { us: number[]; ratio: number[] };
        rows.push({
          work,
          size,
          name,
          usPerRecord: median(us),
          ratio: median(ratio),
          ratioRange: [Math.min(...ratio), Math.max(...ratio)],
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
    out.push(`**${work} record function, batch of ${Number(size).toLocaleString('en-US')}**\n`);
    out.push(
      table(
        ['handler', 'µs per record', 'x floor (median)', 'x floor (range over rounds)'],
        group.map((r) => [
          r.name,
          r.usPerRecord.toFixed(work === 'no-op' ? 2 : 1),
          r.ratio.toFixed(2),
          `${r.ratioRange[0].toFixed(2)} to ${r.ratioRange[1].toFixed(2)}`,
        ]),
      ),
    );
    out.push('');
  }
  return out.join('\n');
}
