/**
 * `npm run demo`: one simulated SQS batch through createBatchProcessor, on the
 * library's defaults (no AWS account needed). The batch mixes valid orders,
 * bodies that are not JSON or fail the schema, and orders the "payment
 * provider" declines; the demo prints the response Lambda would receive and
 * what happened to each record.
 */
import { createBatchProcessor, type RecordOutcome } from 'sqs-partial-batch';
import { lambdaContext, sqsEvent } from 'sqs-partial-batch/testing';
import { z } from 'zod';

const Order = z.object({
  orderId: z.string(),
  customerId: z.string(),
  amountCents: z.number().int().positive(),
});

const charged: string[] = [];

async function charge(orderId: string, amountCents: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5 + (amountCents % 20)));
  if (amountCents > 90_000) throw new Error(`payment declined for ${orderId}: over the card limit`);
  charged.push(orderId);
}

const processBatch = createBatchProcessor(
  async (record) => {
    await charge(record.body.orderId, record.body.amountCents);
  },
  { schema: Order, concurrency: 4 },
);

const bodies: unknown[] = [];
for (let i = 1; i <= 16; i++) {
  const orderId = `order-${String(i).padStart(3, '0')}`;
  if (i === 4)
    bodies.push('{"orderId": "order-004", "customerId": '); // truncated JSON
  else if (i === 9)
    bodies.push({ orderId, customerId: 'c-9', amountCents: -250 }); // fails the schema
  else if (i === 13)
    bodies.push({ orderId, amountCents: '1200' }); // two schema issues
  else bodies.push({ orderId, customerId: `c-${i % 5}`, amountCents: i % 6 === 0 ? 95_000 : 1_000 + i * 37 });
}
const event = sqsEvent(bodies);

const started = performance.now();
const { response, outcomes } = await processBatch(event, lambdaContext({ remainingMs: 30_000 }));
const elapsed = performance.now() - started;

function detail(outcome: RecordOutcome): string {
  switch (outcome.status) {
    case 'succeeded':
      return 'charged';
    case 'duplicate':
      return `already charged (key ${outcome.key})`;
    case 'failed':
      return outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    case 'invalid':
      return outcome.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    case 'skipped':
      return `not started (${outcome.reason})`;
  }
}

const rows = outcomes.map((outcome) => [
  String(outcome.index),
  outcome.messageId.slice(0, 8),
  outcome.status,
  detail(outcome).slice(0, 72),
]);
const header = ['#', 'messageId', 'status', 'detail'];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
const line = (cells: string[]) =>
  cells
    .map((cell, column) => cell.padEnd(widths[column] ?? 0))
    .join('  ')
    .trimEnd();

console.log(`sqs-partial-batch demo: one SQS batch of ${event.Records.length} orders, concurrency 4\n`);
console.log(line(header));
console.log(line(widths.map((width) => '-'.repeat(width))));
for (const row of rows) console.log(line(row));

const count = (status: RecordOutcome['status']) => outcomes.filter((o) => o.status === status).length;
console.log(
  `\n${count('succeeded')} succeeded (SQS deletes them), ${count('failed')} failed and ${count('invalid')} invalid ` +
    `(returned to the queue), ${count('skipped')} skipped, in ${elapsed.toFixed(0)} ms`,
);
console.log(`Orders charged once each: ${charged.length}`);
console.log(`\nResponse returned to Lambda:\n${JSON.stringify(response, null, 2)}`);
