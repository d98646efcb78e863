// Issue #18's consumer reproductions, on the packed package: test/pack/consumers.mjs compiles this
// file in its ESM and its CommonJS project (against the installed tarball) and runs it there, after
// the examples. Each case runs on real (short) timers against the in-memory queue model
// (test/helpers/sqsModel.ts); all run side by side, in about 3 s.
import assert from 'node:assert/strict';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type ConsumerOptions, createConsumer } from 'sqs-partial-batch/consumer';
import { SqsModel } from '../helpers/sqsModel.js';

const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<never>(() => {});

/** Resolves with how long `promise` took, or rejects if it takes longer than `ms`. */
async function within(promise: Promise<unknown>, ms: number, what: string): Promise<number> {
  const start = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
  return Date.now() - start;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function consumer(
  sqs: SqsModel,
  processRecord: Parameters<typeof createConsumer>[0],
  options: Partial<ConsumerOptions> = {},
) {
  return createConsumer(processRecord, { queueUrl, client: sqs, waitTimeSeconds: 0, logger: false, ...options });
}

/** 1. An extension that never answers: one run at a time, the signal aborts, the newest delivery is deleted. */
async function heartbeatHangs(): Promise<void> {
  const sqs = new SqsModel(1);
  const id = sqs.add({ body: 'long' });
  sqs.onCommand('ChangeMessageVisibilityBatchCommand', () => never());
  let running = 0;
  let most = 0;
  let reason: unknown;
  const c = consumer(sqs, async (_record, { signal }) => {
    most = Math.max(most, ++running);
    await sleep(2400); // ignores its signal
    reason = signal.reason;
    running--;
  });
  const started = c.start();
  await until(() => sqs.remaining.length === 0, 5000, 'the message to be deleted');
  await within(c.stop(), 2000, 'stop()');
  await started;
  assert.equal(most, 1, 'the message never runs twice at once');
  assert.equal((reason as Error | undefined)?.name, 'VisibilityLostError');
  assert.ok((sqs.messages.get(id)?.receiveCount ?? 0) >= 2, 'the message came back while it ran');
  assert.equal(sqs.deletions[0]?.handle, sqs.messages.get(id)?.handle, 'deleted with the newest receipt handle');
}

/** 2. GetQueueAttributes or DeleteMessageBatch that never answer: start() and stop() settle. */
async function callsHang(): Promise<void> {
  const opening = new SqsModel();
  opening.onCommand('GetQueueAttributesCommand', () => never());
  const first = consumer(opening, () => {});
  const started = first.start();
  await sleep(100);
  await within(Promise.all([first.stop(), started]), 500, 'start() and stop() while GetQueueAttributes hangs');

  const deleting = new SqsModel(1);
  deleting.add({ body: 'quick' });
  deleting.onCommand('DeleteMessageBatchCommand', () => never());
  let done = 0;
  const second = consumer(deleting, () => void done++);
  const running = second.start();
  await until(() => done === 1, 2000, 'the record');
  await within(Promise.all([second.stop(), running]), 2500, 'stop() while DeleteMessageBatch hangs');
}

/** 3. Malformed answers: skipped, the valid message beside them runs, polling goes on. */
async function malformedAnswers(): Promise<void> {
  const sqs = new SqsModel(30);
  const good = sqs.add({ body: 'good' });
  const bad = sqs.add({ body: 'bad', messageAttributes: { tenant: null } });
  const answers: Array<(queue: SqsModel) => unknown> = [
    () => ({ Messages: {} }),
    (queue) => ({ Messages: [null, ...queue.take(10, 30_000)] }),
  ];
  sqs.onCommand('ReceiveMessageCommand', (_call, queue) => answers.shift()?.(queue));
  const ran: string[] = [];
  const c = consumer(sqs, (record) => void ran.push(record.messageId));
  const started = c.start();
  await until(() => ran.length === 1 && sqs.count('ReceiveMessageCommand') >= 4, 5000, 'polling to go on');
  assert.equal(c.status().state, 'running');
  await c.stop();
  await started;
  assert.deepEqual(ran, [good]);
  assert.deepEqual(
    sqs.deletions.map((deletion) => deletion.id),
    [good],
  );
  assert.equal(sqs.messages.get(bad)?.deleted, false);
}

/** 4. A message without a body: reported invalid, never run, never deleted, even under `drop`. */
async function noBody(): Promise<void> {
  const sqs = new SqsModel(30);
  sqs.add({});
  const ran: unknown[] = [];
  const c = consumer(sqs, (record) => void ran.push(record.body), { onPermanentFailure: 'drop' });
  const started = c.start();
  await until(() => c.status().failed === 1, 3000, 'the invalid record');
  await c.stop();
  await started;
  assert.deepEqual(ran, []);
  assert.deepEqual(sqs.deletions, []);
}

/** 5. Record spans start from the message's context, not the one active at start(). */
async function spans(): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('pack');
  const producer = { trace: '5759e988bd862e3fe1be46a994272793', span: '53995c3f42cd8ad8' };
  const sqs = new SqsModel(30);
  sqs.add({
    body: 'traced',
    messageAttributes: { traceparent: { DataType: 'String', StringValue: `00-${producer.trace}-${producer.span}-01` } },
  });
  let done = 0;
  const c = consumer(sqs, () => void done++, { tracer });
  const startup = tracer.startSpan('startup');
  const started = context.with(trace.setSpan(context.active(), startup), () => c.start());
  startup.end();
  await until(() => done === 1, 3000, 'the traced record');
  await c.stop();
  await started;
  const [span] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
  assert.ok(span, 'one record span');
  assert.equal(span.parentSpanContext, undefined, "the record span has no parent (not start()'s span)");
  assert.deepEqual(
    span.links.map((link) => link.context.traceId),
    [producer.trace],
  );
}

async function main(): Promise<void> {
  const cases = { heartbeatHangs, callsHang, malformedAnswers, noBody, spans };
  const results = await Promise.allSettled(Object.values(cases).map((run) => run()));
  const failed = results.flatMap((result, i) =>
    result.status === 'rejected' ? [`${Object.keys(cases)[i]}: ${String(result.reason?.stack ?? result.reason)}`] : [],
  );
  if (failed.length > 0) {
    console.error(failed.join('\n'));
    process.exitCode = 1;
  } else {
    console.log(`the consumer under SQS faults: ${results.length} reproductions of #18 hold`);
  }
}

void main();
