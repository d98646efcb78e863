// Issue #20 on the packed package, installed into a fresh project, in ESM and
// in CommonJS: a returned "failure" fails the record with ReturnedFailureError
// (never deleted); option mistakes are refused (or, for a queue ARN, accepted)
// with the messages the docs give; InvalidBodies counts invalid bodies that
// were dead-lettered; createFakeSqsClient and createMetricsRecorder from
// /testing drive the core's failure policy, and the simulator honours backoff.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run as runWith, scratchProject } from './scratch.mjs';

const run = (command, args, cwd) => runWith(command, args, cwd, { ...process.env, LOG_LEVEL: 'silent' });
// The library builds SDK commands for any client, the fake included: the SDK is installed, as it is wherever backoff runs.
const { work, app } = scratchProject('mistakes', ['@aws-sdk/client-sqs']);

const program = `
const results = {};
const expectThrow = (name, create, text) => {
  try {
    create();
    results[name] = 'did not throw';
  } catch (error) {
    results[name] = error instanceof InvalidOptionsError && error.message.includes(text) ? 'ok' : String(error);
  }
};

async function main() {
  // 1. Returning false / an Error / a partial-batch response fails the record.
  const returned = createBatchProcessor((record) =>
    record.body === 'false' ? false : record.body === 'error' ? new Error('x') : record.body === 'batch' ? { batchItemFailures: [] } : undefined,
  );
  const event = sqsEvent(['ok', 'false', 'error', 'batch']);
  const result = await returned(event);
  results.returned = result.outcomes.map((o) => o.status === 'failed' && o.error instanceof ReturnedFailureError && o.error instanceof SqsPartialBatchError ? o.error.returned : o.status);

  // 3. Option mistakes.
  const sqs = createFakeSqsClient();
  expectThrow('maxSeconds', () => createBatchHandler(() => {}, { backoff: { client: sqs, maxSeconds: 50000 } }), 'at most 43200');
  expectThrow('storeItself', () => createBatchHandler(() => {}, { idempotency: new MemoryIdempotencyStore() }), 'did you mean \`idempotency: { store }\`?');
  expectThrow('bareName', () => createBatchHandler(() => {}, { onPermanentFailure: 'dead-letter', deadLetter: { client: sqs, queueUrl: 'orders-dlq' } }), 'or a queue ARN');

  // A queue ARN is looked up and used; InvalidBodies counts the dead-lettered invalid body.
  const metrics = createMetricsRecorder();
  const parked = createBatchHandler(() => {}, {
    schema: { '~standard': { version: 1, vendor: 'x', validate: (v) => (typeof v === 'number' ? { value: v } : { issues: [{ message: 'not a number' }] }) } },
    onPermanentFailure: 'dead-letter',
    deadLetter: { client: sqs, queueUrl: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq' },
    metrics,
    logger: false,
  });
  results.parkedResponse = await parked(sqsEvent(['1', '"text"']), lambdaContext());
  results.dlqBodies = sqs.sent('orders-dlq').map((m) => m.body);
  results.calls = sqs.calls.map((c) => c.name);
  results.metrics = { invalidBodies: metrics.totals().InvalidBodies, deadLettered: metrics.totals().RecordsDeadLettered };

  // 6. The simulator runs backoff in simulated time.
  const sim = new QueueSimulator({ seed: 1, visibilityTimeoutSeconds: 600, maxReceiveCount: 5 });
  const flaky = sim.send('flaky');
  sim.send('fine');
  let tries = 0;
  const run = await sim.run(
    createBatchHandler(async (record) => {
      if (record.body === 'flaky' && ++tries === 1) throw new Error('busy');
    }, { backoff: { client: sim.sqs, baseSeconds: 20, jitter: 'none' }, logger: false }),
  );
  const runs = run.batches.filter((b) => b.messageIds.includes(flaky));
  results.backoffGapMs = runs[1].startedAt - runs[0].endedAt;
  console.log(JSON.stringify(results));
}
main();
`;

const expected = {
  returned: ['succeeded', 'false', 'error', 'batch-response'],
  maxSeconds: 'ok',
  storeItself: 'ok',
  bareName: 'ok',
  parkedResponse: { batchItemFailures: [] },
  dlqBodies: ['"text"'],
  calls: ['GetQueueUrl', 'SendMessageBatch'],
  metrics: { invalidBodies: 1, deadLettered: 1 },
  backoffGapMs: 20_000,
};

try {
  writeFileSync(
    join(app, 'mistakes.mjs'),
    `import { createBatchHandler, createBatchProcessor, InvalidOptionsError, MemoryIdempotencyStore, ReturnedFailureError, SqsPartialBatchError } from 'sqs-partial-batch';
import { createFakeSqsClient, createMetricsRecorder, lambdaContext, QueueSimulator, sqsEvent } from 'sqs-partial-batch/testing';
${program}`,
  );
  writeFileSync(
    join(app, 'mistakes.cjs'),
    `const { createBatchHandler, createBatchProcessor, InvalidOptionsError, MemoryIdempotencyStore, ReturnedFailureError, SqsPartialBatchError } = require('sqs-partial-batch');
const { createFakeSqsClient, createMetricsRecorder, lambdaContext, QueueSimulator, sqsEvent } = require('sqs-partial-batch/testing');
${program}`,
  );
  for (const file of ['mistakes.mjs', 'mistakes.cjs']) {
    const output = JSON.parse(run(process.execPath, [file], app).trim().split('\n').at(-1));
    assert.deepEqual(output, expected, `${file}: ${JSON.stringify(output)}`);
  }
  console.log(
    'mistakes (#20): returned failures, option mistakes, InvalidBodies, the fake SQS client and the simulator policy hold on the packed package, ESM and CommonJS',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
