// Heap cost of a 10,000-record batch beyond the event itself: the peak while it
// runs, and what stays reachable from the result. Needs `node --expose-gc`.
import type { SQSEvent } from 'aws-lambda';
import { createBatchHandler, createBatchProcessor } from '../../src/index.js';
import { Order, orderEvent, table } from './fixtures.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function measure(
  run: (event: SQSEvent, sample: () => void) => Promise<unknown>,
): Promise<{ peak: number; retained: number }> {
  if (gc === undefined) throw new Error('run with node --expose-gc');
  const event = orderEvent(10_000);
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  let calls = 0;
  const sample = () => {
    if (++calls % 250 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const result = await run(event, sample);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  gc();
  const retained = process.memoryUsage().heapUsed - base;
  if (result === undefined) throw new Error('no result');
  return { peak: peak - base, retained };
}

export async function measureMemory(): Promise<string> {
  const floor = await measure(async (event, sample) => {
    const batchItemFailures: Array<{ itemIdentifier: string }> = [];
    for (const record of event.Records) {
      try {
        const parsed = Order.safeParse(JSON.parse(record.body));
        if (!parsed.success) throw parsed.error;
        sample();
        await Promise.resolve();
      } catch {
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  });
  let sampleOurs = () => {};
  const processBatch = createBatchProcessor(
    async () => {
      sampleOurs();
    },
    { schema: Order },
  );
  const ours = await measure((event, sample) => {
    sampleOurs = sample;
    return processBatch(event);
  });
  let sampleHandler = () => {};
  const handler = createBatchHandler(
    async () => {
      sampleHandler();
    },
    { schema: Order },
  );
  const handlerOnly = await measure((event, sample) => {
    sampleHandler = sample;
    return handler(event);
  });
  const perRecord = (bytes: number) => (bytes / 10_000).toFixed(0);
  return table(
    [
      '10,000-record batch',
      'peak heap above the event (bytes per record)',
      'retained by the result (bytes per record)',
    ],
    [
      ['floor: hand-written loop', perRecord(floor.peak), perRecord(floor.retained)],
      ['sqs-partial-batch (handler, response only)', perRecord(handlerOnly.peak), perRecord(handlerOnly.retained)],
      ['sqs-partial-batch (processor, with outcomes)', perRecord(ours.peak), perRecord(ours.retained)],
    ],
  );
}
