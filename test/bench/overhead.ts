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
import { median, Order, table, WORK, type WorkName } from './fixtures.js';
import { DECLINED, eventsFor, lambdaContext, type Mix } from './shape.js';

type Handler = (event: SQSEvent, context: Context) => Promise<unknown>;
export type Mode = 'sequential' | 'concurrency 10';
const FLOOR = 'floor: hand-written loop';
export const OURS = 'sqs-partial-batch';
export const POWERTOOLS_PARSER = 'Powertools batch + parser (schema)';
/** Records stop starting below this much time left (our default margin; the floor checks it too). */
const MARGIN_MS = 1000;

/** The record's work: the given function, after failing orders of the `declined` customer. */
function withDeclines(work: (order: Order) => Promise<void>): (order: Order) => Promise<void> {
  return (order) => (order.customerId === DECLINED ? Promise.reject(new Error('card declined')) : work(order));
}

/**
 * The hand-written floor: what a careful engineer writes without a library.
 * Parse, validate, check the remaining time before each record, try/catch,
 * collect ids; with `concurrency: 10`, ten loops over a shared cursor.
 */
function floorFor(mode: Mode, work: (order: Order) => Promise<void>): Handler {
  const runOne = async (record: SQSRecord, failures: SQSBatchResponse['batchItemFailures']) => {
    try {
      const parsed = Order.safeParse(JSON.parse(record.body));
      if (!parsed.success) throw parsed.error;
      await work(parsed.data);
    } catch {
      failures.push({ itemIdentifier: record.messageId });
    }
  };
  if (mode === 'sequential') {
    return async (event, context) => {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      const records = event.Records;
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as SQSRecord;
        if (context.getRemainingTimeInMillis() < MARGIN_MS) {
          for (let k = i; k < records.length; k++)
            batchItemFailures.push({ itemIdentifier: (records[k] as SQSRecord).messageId });
          break;
        }
        await runOne(record, batchItemFailures);
      }
      return { batchItemFailures };
    };
  }
  return async (event, context) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const records = event.Records;
    let next = 0;
    const loop = async () => {
      while (next < records.length) {
        const record = records[next++] as SQSRecord;
        if (context.getRemainingTimeInMillis() < MARGIN_MS) {
          batchItemFailures.push({ itemIdentifier: record.messageId });
          continue;
        }
        await runOne(record, batchItemFailures);
      }
    };
    const loops: Array<Promise<void>> = [];
    for (let k = 0; k < Math.min(10, records.length); k++) loops.push(loop());
    await Promise.all(loops);
    return { batchItemFailures };
  };
}

function contenders(mode: Mode, plainWork: (order: Order) => Promise<void>): Record<string, Handler> {
  const work = withDeclines(plainWork);
  const ours = createBatchHandler((record) => work(record.body), {
    schema: Order,
    concurrency: mode === 'sequential' ? 1 : 10,
    logger: false, // the floor logs nothing either
  });

  const plainProcessor = new BatchProcessor(EventType.SQS);
  const plain = (record: SQSRecord) => work(Order.parse(JSON.parse(record.body)));
  const schemaProcessor = new BatchProcessor(EventType.SQS, {
    parser,
    schema: SqsRecordSchema.extend({ body: JSONStringified(Order) }),
  });
  const parsed = (record: { body: Order }) => work(record.body);

  const middyHandler = middy(async (event: SQSEvent) =>
    Promise.allSettled(event.Records.map(async (record) => work(Order.parse(JSON.parse(record.body))))),
  ).use(sqsPartialBatchFailure({ logger: () => {} }));

  // A batch where every record fails makes some contenders throw (ours: FullBatchFailureError); the
  // throw is part of the cost, and Lambda sees the same outcome (the whole batch comes back).
  const settled =
    (run: Handler): Handler =>
    (event, context) =>
      run(event, context).catch((error: unknown) => error);
  return {
    [FLOOR]: floorFor(mode, work),
    [OURS]: settled((event, context) => ours(event, context)),
    'Powertools batch, plain': settled((event, context) =>
      processPartialResponse(event, plain, plainProcessor, { context }),
    ),
    [POWERTOOLS_PARSER]: settled((event, context) =>
      processPartialResponse(event, parsed as never, schemaProcessor, { context }),
    ),
    'middy + sqs-partial-batch-failure': settled((event, context) => middyHandler(event, context)),
  };
}

export interface Cell {
  readonly work: WorkName;
  readonly size: number;
  readonly mode: Mode;
  readonly mix: Mix;
  /**
   * `long`: every contender first runs for {@link LONG_WARMUP_MS} of calls, as a function serving
   * traffic has, so what is measured is fully optimized code; `short` (the default): tinybench's own
   * warm-up, closer to the first invocations after a cold start.
   */
  readonly warmup?: 'short' | 'long';
}

/** Calls per contender before a `long` warm-up cell is measured. */
export const LONG_WARMUP_MS = 400;

export interface OverheadRow extends Cell {
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

/**
 * Empties the young generation (a minor collection), so a slice does not pay
 * for the previous contender's garbage. Not a full collection: that would
 * also drop the hidden classes no live object uses, and with them the
 * optimized code that checks for them, a recompilation Lambda never forces
 * between invocations.
 */
function collectYoungGarbage(): void {
  const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc({ type: 'minor' });
}

/** Length of one contender's slice of a round, in milliseconds. */
const SLICE_MS = 3;
/** Longest a contender's slices may take in all, in milliseconds: slow contenders get fewer rounds. */
const CONTENDER_BUDGET_MS = 8_000;

/** A contender called as Lambda calls it: the next event of the set, and a fresh context. */
function caller(handler: Handler, events: readonly SQSEvent[]): () => Promise<unknown> {
  let next = 0;
  return () => {
    const event = events[next] as SQSEvent;
    next = next + 1 === events.length ? 0 : next + 1;
    return handler(event, lambdaContext());
  };
}

/**
 * Two measurements per contender and cell. tinybench gives the mean time
 * per call (absolute µs per record, with its margin of error). The ratio to
 * the floor comes from interleaved rounds: each round runs every contender
 * for a slice of about 3 ms, in a rotated order, and divides by the floor's
 * slice of the same round. A shared machine's speed drifts over seconds, so
 * two long runs side by side can differ by 30%; two 3 ms slices next to each
 * other see the same machine. The median over rounds is reported, with the
 * interquartile range. On 10,000-record batches a slice is one call, and
 * each starts on an empty young generation.
 */
export async function measureOverhead(cells: readonly Cell[], timeMs: number, rounds: number): Promise<OverheadRow[]> {
  const rows: OverheadRow[] = [];
  for (const cell of cells) {
    const { work, size, mode, mix } = cell;
    const handlers = contenders(mode, WORK[work]);
    const names = Object.keys(handlers);
    const { events } = eventsFor(size, mix);
    await checkAgreement(handlers, events);
    const calls = new Map(names.map((name) => [name, caller(handlers[name] as Handler, events)]));
    if (cell.warmup === 'long') {
      for (const call of calls.values()) {
        const until = performance.now() + LONG_WARMUP_MS;
        while (performance.now() < until) await call();
      }
    }
    const bench = new Bench({
      time: timeMs,
      warmupTime: timeMs / 5,
      // Floors on calls, kept low for big batches: the slowest contender takes ~1.5 s per 10,000 records.
      iterations: Math.max(2, Math.ceil((work === 'no-op' ? 640 : 100) / size)),
      warmupIterations: Math.max(1, Math.ceil((work === 'no-op' ? 160 : 20) / size)),
    });
    for (const name of names) bench.add(name, calls.get(name) as () => Promise<unknown>);
    await bench.run();
    const meanMs = new Map<string, { mean: number; rme: number }>();
    for (const task of bench.tasks) {
      const result = task.result as { latency?: { mean: number; rme: number } };
      if (!result.latency) throw new Error(`${task.name} did not complete`);
      meanMs.set(task.name, result.latency);
    }
    const ratios = await interleavedRatios(calls, size, meanMs, rounds);
    for (const name of names) {
      const { mean, rme } = meanMs.get(name) as { mean: number; rme: number };
      const sorted = [...(ratios.get(name) as number[])].sort((x, y) => x - y);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
      rows.push({
        ...cell,
        name,
        usPerRecord: (mean * 1000) / size,
        rme,
        ratio: median(sorted),
        ratioIqr: [at(0.25), at(0.75)],
        rounds: sorted.length,
      });
    }
  }
  return rows;
}

/** Every contender must report exactly the failing records of every event before it is timed. */
async function checkAgreement(handlers: Record<string, Handler>, events: readonly SQSEvent[]): Promise<void> {
  const expected = (await Promise.all(events.map((event) => handlers[FLOOR]?.(event, lambdaContext())))) as Array<
    SQSBatchResponse | undefined
  >;
  for (const [name, handler] of Object.entries(handlers)) {
    for (const [e, event] of events.entries()) {
      const answer = (await handler(event, lambdaContext())) as SQSBatchResponse | Error;
      const ids =
        answer instanceof Error
          ? event.Records.map((r) => r.messageId)
          : answer.batchItemFailures.map((f) => f.itemIdentifier);
      const want = (expected[e] as SQSBatchResponse).batchItemFailures.map((f) => f.itemIdentifier);
      if ([...ids].sort().join() !== [...want].sort().join()) {
        throw new Error(`${name} reported ${ids.length} failures where the floor reported ${want.length}`);
      }
    }
  }
}

async function interleavedRatios(
  calls: ReadonlyMap<string, () => Promise<unknown>>,
  size: number,
  meanMs: ReadonlyMap<string, { mean: number }>,
  rounds: number,
): Promise<Map<string, number[]>> {
  const names = [...calls.keys()];
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
      const call = calls.get(name) as () => Promise<unknown>;
      const count = callsPerSlice.get(name) as number;
      // Big batches: start every slice on an empty young generation, so no slice pays for another's garbage.
      if (size >= 1000) collectYoungGarbage();
      const start = process.hrtime.bigint();
      for (let i = 0; i < count; i++) await call();
      elapsed.set(name, Number(process.hrtime.bigint() - start) / count);
    }
    const floor = elapsed.get(FLOOR) as number;
    for (const [name, ns] of elapsed) (ratios.get(name) as number[]).push(ns / floor);
  }
  return ratios;
}

const fmtSize = (size: number) => size.toLocaleString('en-US');

export function overheadTables(rows: readonly OverheadRow[]): string {
  const out: string[] = [];
  const groups = new Map<string, OverheadRow[]>();
  for (const row of rows) {
    const key = `${row.work}|${row.size}|${row.mode}|${row.mix}|${row.warmup ?? 'short'}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const group of groups.values()) {
    const { work, size, mode, mix } = group[0] as OverheadRow;
    const { warmup } = group[0] as OverheadRow;
    out.push(
      `**${mode}, ${fmtSize(size)} records, ${mix}, ${work} record function${warmup === 'long' ? `, ${LONG_WARMUP_MS} ms warm-up` : ''}**\n`,
    );
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

/** A budget held by one cell. */
export interface BudgetCheck {
  readonly cell: string;
  readonly measured: string;
  readonly budget: string;
  readonly met: boolean;
}

/** The budgets of the production-shaped cells, each checked on this run. */
export function budgetChecks(rows: readonly OverheadRow[]): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  for (const row of rows) {
    if (row.name !== OURS) continue;
    const cell = `${row.mode}, ${fmtSize(row.size)} records, ${row.mix}${row.warmup === 'long' ? `, ${LONG_WARMUP_MS} ms warm-up` : ''}`;
    const limit = row.mix === 'all invalid JSON' ? 1.5 : row.size >= 10_000 ? 1.2 : 1.3;
    checks.push({
      cell,
      measured: `${row.ratio.toFixed(2)}x floor`,
      budget: `<= ${limit}x floor`,
      met: row.ratio <= limit,
    });
    if (row.mode === 'sequential' && row.mix !== 'all invalid JSON') {
      const pt = rows.find(
        (r) =>
          r.name === POWERTOOLS_PARSER &&
          r.size === row.size &&
          r.mode === row.mode &&
          r.mix === row.mix &&
          r.work === row.work &&
          r.warmup === row.warmup,
      );
      if (pt !== undefined) {
        const faster = pt.ratio / row.ratio;
        checks.push({
          cell,
          measured: `${faster.toFixed(1)}x faster than Powertools + parser`,
          budget: '>= 3x faster than Powertools + parser',
          met: faster >= 3,
        });
      }
    }
  }
  return checks;
}

export function budgetTable(checks: readonly BudgetCheck[]): string {
  return table(
    ['cell', 'measured', 'budget', 'met'],
    checks.map((c) => [c.cell, c.measured, c.budget, c.met ? 'yes' : '**no**']),
  );
}
