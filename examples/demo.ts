/**
 * `npm run demo`: the library's main job on its embedded defaults, no AWS
 * account needed. A simulated SQS queue of orders (with duplicate deliveries,
 * poison messages, flaky payments and the odd stuck call) is consumed by a
 * Lambda handler built with createBatchHandler and the in-memory idempotency
 * store, on a virtual clock: minutes of queue time run in a second or two.
 * The terminal gets progress and a summary; the handler's log lines (one per
 * record that did not succeed) go to a file the summary names.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { createBatchProcessor, MemoryIdempotencyStore, type RecordStatus } from 'sqs-partial-batch';
import { QueueSimulator } from 'sqs-partial-batch/testing';
import { z } from 'zod';

const ORDERS = 5000;

const Order = z.object({
  orderId: z.string(),
  customerId: z.string(),
  amountCents: z.number().int().positive(),
});

const sim = new QueueSimulator({
  seed: 2026,
  duplicateRate: 0.05, // SQS delivers at least once: 5% of receives deliver a second copy
  maxReceiveCount: 4, // then the redrive policy moves the message to the DLQ
  visibilityTimeoutSeconds: 60,
  functionTimeoutSeconds: 20,
  batchSize: 10,
  maxConcurrency: 10,
});

const poison = new Set<string>();
for (let i = 1; i <= ORDERS; i++) {
  const orderId = `order-${String(i).padStart(5, '0')}`;
  if (i % 250 === 0) {
    poison.add(orderId);
    sim.send(i % 500 === 0 ? `{"orderId":"${orderId}",` : { orderId, customerId: `c-${i % 97}`, amountCents: -5 }); // broken JSON or invalid amount
  } else {
    sim.send({ orderId, customerId: `c-${i % 97}`, amountCents: 500 + (i % 40) * 25 });
  }
}

// The handler's log lines, as the default JSON logger would write them, kept for a file instead of the terminal.
const LOG_FILE = 'reports/demo.log';
const logLines: string[] = [];
const write =
  (level: string) =>
  (message: string, ...attributes: Array<Record<string, unknown>>): void => {
    logLines.push(JSON.stringify({ level, message, ...Object.assign({}, ...attributes) }, errorsAsObjects));
  };
const fileLogger = { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
function errorsAsObjects(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

const charges = new Map<string, number>();
let providerCalls = 0;
let cutShort = 0;

async function charge(orderId: string, signal: AbortSignal): Promise<void> {
  const call = ++providerCalls;
  await sim.clock.sleep(40, { signal }); // the payment provider answers in 40 ms
  if (call % 97 === 0) throw new Error('payment provider: 503 Service Unavailable'); // flaky
  if (call % 1999 === 0) {
    try {
      await sim.clock.sleep(5 * 60_000, { signal }); // stuck far past the function timeout
    } catch (error) {
      cutShort++;
      throw error;
    }
  }
  charges.set(orderId, (charges.get(orderId) ?? 0) + 1);
}

const processBatch = createBatchProcessor(
  async (record, { signal }) => {
    await charge(record.body.orderId, signal);
  },
  {
    schema: Order,
    concurrency: 5,
    idempotency: { store: new MemoryIdempotencyStore({ maxEntries: 50_000 }), key: (record) => record.body.orderId },
    logger: fileLogger,
  },
);

// The Lambda handler: the processor's response, plus a tally of what happened to each record.
const tally: Record<RecordStatus, number> = {
  succeeded: 0,
  duplicate: 0,
  failed: 0,
  invalid: 0,
  skipped: 0,
  'dead-lettered': 0,
  dropped: 0,
};
const handler = async (event: SQSEvent, context: Parameters<typeof processBatch>[1]) => {
  const { response, outcomes } = await processBatch(event, context);
  for (const outcome of outcomes) tally[outcome.status]++;
  return response;
};

async function main(): Promise<void> {
  console.log(
    `${ORDERS} orders on a simulated SQS queue (5% duplicate deliveries, ${poison.size} poison messages, flaky payments), ` +
      'consumed by 10 concurrent Lambda invocations of 10 records each.',
  );
  console.log('Progress, in simulated time (deletions count duplicate copies too):');
  const result = await sim.run(handler, {
    progressEvery: 150,
    onProgress: (r) =>
      console.log(
        `  simulated t=${(r.simulatedMs / 1000).toFixed(0).padStart(4)} s  invocations ${String(r.invocations).padStart(5)}  deletions ${String(r.deletions).padStart(5)}  in DLQ ${String(r.deadLettered.length).padStart(3)}`,
      ),
  });

  const sample = result.batches.find((b) => b.reported.length > 0);
  const chargedTwice = [...charges.values()].filter((n) => n > 1).length;
  const goodOrders = ORDERS - poison.size;
  const line = (label: string, value: string | number) => console.log(`  ${label.padEnd(48)} ${value}`);
  mkdirSync('reports', { recursive: true });
  writeFileSync(LOG_FILE, logLines.length > 0 ? `${logLines.join('\n')}\n` : '');

  console.log('Summary');
  line('orders sent', result.sent);
  line('records delivered (with retries and duplicates)', result.deliveries);
  line('messages deleted (duplicate copies included)', result.deletions);
  line('Lambda invocations', `${result.invocations} (${result.results.timeout} timed out)`);
  line('orders charged exactly once', `${[...charges.values()].filter((n) => n === 1).length} of ${goodOrders}`);
  line('orders charged twice', chargedTwice);
  line(
    'duplicate deliveries answered, not charged',
    `${tally.duplicate} (of ${result.duplicatesDelivered} sent by SQS)`,
  );
  line('records failed and retried later', `${tally.failed} (flaky or stuck payments, keys busy)`);
  line('records with an invalid body', tally.invalid);
  line('stuck calls cut short before the timeout', cutShort);
  line('moved to the DLQ', `${result.deadLettered.length} (poison: ${poison.size})`);
  line(
    'time',
    `${(result.simulatedMs / 60_000).toFixed(1)} min simulated, ${(result.realMs / 1000).toFixed(2)} s real`,
  );
  line('log lines (records that did not succeed)', `${logLines.length}, in ${LOG_FILE}`);
  if (sample) {
    const reply = JSON.stringify({ batchItemFailures: sample.reported.map((itemIdentifier) => ({ itemIdentifier })) });
    console.log(`A reply with failures (invocation ${sample.invocation}): ${reply}`);
  }
  if (chargedTwice > 0 || result.undelivered.length > 0) process.exitCode = 1;
}

// No top-level await, so the demo compiles as CommonJS too.
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
