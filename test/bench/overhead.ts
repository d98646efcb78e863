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
  /** Mean microseconds per record (tinybench). */
  readonly usPerRecord: number;
  /** Relative margin of error of that mean, in percent. */
  readonly rme: number;
  /** Median over interleaved slices of this contender's time divided by the floor's in the same round. */
  readonly ratio: number;
  /** First and third quartile of the per-round ratios. */
  readonly ratioIqr: readonly [number, number];
  /** Rounds the ratio is the median of. */
  readonly rounds: number;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
}

/** Length of one contender's slice of a round, in milliseconds. */
const SLICE_MS = 3;
/** Longest a contender's slices may take in all, in milliseconds: slow contenders get fewer rounds. */
const CONTENDER_BUDGET_MS = 12_000;

/**
 * Two measurements per contender and batch. tinybench gives the mean time
 * per call (absolute µs per record, with its margin of error). The ratio to
 * the floor comes from interleaved rounds: each round runs every contender
 * for a slice of about 3 ms, in a rotated order, and divides by the floor's
 * slice of the same round. A shared machine's speed drifts over seconds, so
 * two long runs side by side can differ by 30%; two 3 ms slices next to each
 * other see the same machine. The median over rounds is reported, with the
 * interquartile range. On 10,000-record batches a slice is one call, and
 * each starts on a freshly collected heap.
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
      const bench = new Bench({
        time: timeMs,
        warmupTime: timeMs / 5,
        // Floors on calls, kept low for big batches: the slowest contender takes ~1.5 s per 10,000 records.
        iterations: Math.max(2, Math.ceil((work === 'no-op' ? 640 : 100) / size)),
        warmupIterations: Math.max(1, Math.ceil((work === 'no-op' ? 160 : 20) / size)),
      });
      for (const name of names) {
        const handler = handlers[name] as Handler;
        bench.add(name, () => handler(event));
      }
      await bench.run();
      const meanMs = new Map<string, { mean: number; rme: number }>();
      for (const task of bench.tasks) {
        const result = task.result as { latency?: { mean: number; rme: number } };
        if (!result.latency) throw new Error(`${task.name} did not complete`);
        meanMs.set(task.name, result.latency);
      }
      const ratios = await interleavedRatios(handlers, event, meanMs, rounds);
      for (const name of names) {
        const { mean, rme } = meanMs.get(name) as { mean: number; rme: number };
        const sorted = [...(ratios.get(name) as number[])].sort((x, y) => x - y);
        const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
        rows.push({
          work,
          size,
          name,
          usPerRecord: (mean * 1000) / size,
          rme,
          ratio: median(sorted),
          ratioIqr: [at(0.25), at(0.75)],
          rounds: sorted.length,
        });
      }
    }
  }
  return rows;
}

async function interleavedRatios(
  handlers: Record<string, Handler>,
  event: SQSEvent,
  meanMs: ReadonlyMap<string, { mean: number }>,
  rounds: number,
): Promise<Map<string, number[]>> {
  const names = Object.keys(handlers);
  const callsPerSlice = new Map(
    names.map((name) => [name, Math.max(1, Math.round(SLICE_MS / (meanMs.get(name) as { mean: number }).mean))]),
  );
  // A contender whose single call outlasts its budget over all rounds joins only the first rounds.
  const roundsOf = (name: string) => {
    const sliceMs = (callsPerSlice.get(name) as number) * (meanMs.get(name) as { mean: number }).mean;
    return Math.max(3, Math.min(rounds, Math.floor(CONTENDER_BUDGET_MS / sliceMs)));
  };
  const ratios = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const elapsed = new Map<string, number>();
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length] as string;
      if (name !== FLOOR && round >= roundsOf(name)) continue;
      const handler = handlers[name] as Handler;
      const calls = callsPerSlice.get(name) as number;
      // Big batches: start every slice on a collected heap, so no slice pays for another's garbage.
      if (event.Records.length >= 1000) collectGarbage();
      const start = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) await handler(event);
      elapsed.set(name, Number(process.hrtime.bigint() - start) / calls);
    }
    const floor = elapsed.get(FLOOR) as number;
    for (const [name, ns] of elapsed) (ratios.get(name) as number[]).push(ns / floor);
  }
  return ratios;
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
        ['handler', 'µs per record', '± %', 'x floor', 'x floor, middle half of rounds', 'rounds'],
        group.map((r) => [
          r.name,
          r.usPerRecord.toFixed(work === 'no-op' ? 2 : 1),
          r.rme.toFixed(1),
          `**${r.ratio.toFixed(2)}**`,
          `${r.ratioIqr[0].toFixed(2)} to ${r.ratioIqr[1].toFixed(2)}`,
          r.rounds,
        ]),
      ),
    );
    out.push('');
  }
  return out.join('\n');
}
