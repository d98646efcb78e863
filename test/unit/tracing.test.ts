import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  createBatchHandler,
  createBatchProcessor,
  InvalidOptionsError,
  InvocationTimeoutError,
  MemoryIdempotencyStore,
  PermanentError,
  type RecordValidationError,
} from '../../src/index.js';
import { deferred, flush, lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer: Tracer = provider.getTracer('orders-consumer');
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  context.disable();
  propagation.disable();
});
afterEach(() => {
  exporter.reset();
  vi.useRealTimers();
});

const ids = (records: readonly SQSRecord[]) => records.map((r) => r.messageId);
/** Record spans (the ones this library made), in the order their records appear in the event. */
function recordSpans(records: readonly SQSRecord[]): ReadableSpan[] {
  const spans = exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name === 'orders-consumer');
  const byId = new Map(
    spans.filter((s) => s.kind === SpanKind.CONSUMER).map((s) => [s.attributes['messaging.message.id'], s]),
  );
  return records.flatMap((r) => byId.get(r.messageId) ?? []);
}

const PRODUCER_TRACE = '5759e988bd862e3fe1be46a994272793';
const PRODUCER_SPAN = '53995c3f42cd8ad8';
const traceparent = (traceId: string, spanId: string, flags = '01') => ({
  traceparent: {
    stringValue: `00-${traceId}-${spanId}-${flags}`,
    dataType: 'String' as const,
    stringListValues: [],
    binaryListValues: [],
  },
});

describe('tracing: one span per record that runs', () => {
  it('names the span `process <queue>`, kind CONSUMER, with the messaging attributes and the outcome', async () => {
    const event = sqsEvent(['a', 'b']);
    const handler = createBatchHandler(() => {}, { tracer });

    await handler(event);

    const spans = recordSpans(event.Records);
    expect(spans).toHaveLength(2);
    spans.forEach((span, index) => {
      expect(span.name).toBe('process orders');
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes).toEqual({
        'messaging.system': 'aws_sqs',
        'messaging.system.name': 'aws.sqs',
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'orders',
        'messaging.message.id': event.Records[index]?.messageId,
        'sqs_partial_batch.record.receive_count': 1,
        'sqs_partial_batch.record.status': 'succeeded',
      });
      expect(span.links).toEqual([]);
      expect(span.ended).toBe(true);
    });
  });

  it('gives the message group id and receive count on FIFO queues', async () => {
    const event = sqsEvent(['a', 'b'], {
      queueArn: 'arn:aws:sqs:eu-west-1:123456789012:payments.fifo',
      groupId: (i) => `customer-${i}`,
    });
    event.Records[1] = {
      ...event.Records[1],
      attributes: { ...event.Records[1]?.attributes, ApproximateReceiveCount: '3' },
    } as SQSRecord;
    await createBatchHandler(() => {}, { tracer })(event);

    const spans = recordSpans(event.Records);
    expect(spans.map((s) => s.name)).toEqual(['process payments.fifo', 'process payments.fifo']);
    expect(spans.map((s) => s.attributes['messaging.destination.name'])).toEqual(['payments.fifo', 'payments.fifo']);
    expect(spans.map((s) => s.attributes['sqs_partial_batch.record.message_group_id'])).toEqual([
      'customer-0',
      'customer-1',
    ]);
    expect(spans.map((s) => s.attributes['sqs_partial_batch.record.receive_count'])).toEqual([1, 3]);
  });

  it('names the span `process` without a destination when the record has no queue ARN', async () => {
    const record = { ...sqsRecord('a'), eventSourceARN: undefined } as unknown as SQSRecord;
    await createBatchHandler(() => {}, { tracer })({ Records: [record] });

    const [span] = recordSpans([record]);
    expect(span?.name).toBe('process');
    expect(span?.attributes).not.toHaveProperty('messaging.destination.name');
  });

  it('works the same with createBatchProcessor', async () => {
    const event = sqsEvent(['a']);
    await createBatchProcessor(() => {}, { tracer })(event);
    expect(recordSpans(event.Records)).toHaveLength(1);
  });

  it('makes no span at all without the option', async () => {
    await createBatchHandler(() => {})(sqsEvent(['a', 'b']));
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe('tracing: links to the producer', () => {
  it('links to the context in a W3C `traceparent` message attribute, through the registered propagator', async () => {
    const record = sqsRecord('a', { messageAttributes: traceparent(PRODUCER_TRACE, PRODUCER_SPAN) });
    await createBatchHandler(() => {}, { tracer })({ Records: [record] });

    const [span] = recordSpans([record]);
    expect(span?.links).toEqual([
      { context: { traceId: PRODUCER_TRACE, spanId: PRODUCER_SPAN, traceFlags: 1, isRemote: true } },
    ]);
    // A link, not a parent: the producer's trace is not this span's trace.
    expect(span?.spanContext().traceId).not.toBe(PRODUCER_TRACE);
    expect(span?.parentSpanContext).toBeUndefined();
  });

  it('links to the context in the AWSTraceHeader system attribute (X-Ray)', async () => {
    const record = sqsRecord('a');
    record.attributes.AWSTraceHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0';
    await createBatchHandler(() => {}, { tracer })({ Records: [record] });

    expect(recordSpans([record])[0]?.links).toEqual([
      { context: { traceId: PRODUCER_TRACE, spanId: PRODUCER_SPAN, traceFlags: 0, isRemote: true } },
    ]);
  });

  it('links to both when both are there, and once when they name the same span', async () => {
    const both = sqsRecord('a', {
      messageAttributes: traceparent('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'),
    });
    both.attributes.AWSTraceHeader = `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${PRODUCER_SPAN};Sampled=1`;
    const same = sqsRecord('b', { messageAttributes: traceparent(PRODUCER_TRACE, PRODUCER_SPAN) });
    same.attributes.AWSTraceHeader = `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${PRODUCER_SPAN};Sampled=1`;
    await createBatchHandler(() => {}, { tracer })({ Records: [both, same] });

    const [first, second] = recordSpans([both, same]);
    expect(first?.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
      ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'],
      [PRODUCER_TRACE, PRODUCER_SPAN],
    ]);
    expect(second?.links.map((l) => l.context.spanId)).toEqual([PRODUCER_SPAN]);
  });

  it('ignores malformed headers and attributes: the record still runs, with a span and no link', async () => {
    const records = [
      sqsRecord('bad traceparent', { messageAttributes: traceparent('zz', PRODUCER_SPAN) }),
      sqsRecord('all-zero traceparent', { messageAttributes: traceparent('0'.repeat(32), PRODUCER_SPAN) }),
      sqsRecord('binary traceparent', {
        messageAttributes: {
          traceparent: { binaryValue: 'AAEC', dataType: 'Binary', stringListValues: [], binaryListValues: [] },
        },
      }),
      sqsRecord('no message attributes', { messageAttributes: undefined as unknown as SQSRecord['messageAttributes'] }),
      sqsRecord('bad X-Ray header'),
    ];
    (records[4] as SQSRecord).attributes.AWSTraceHeader = 'Root=1-nonsense;Parent=xyz';
    const processed: string[] = [];
    const response = await createBatchHandler((record) => void processed.push(record.body), { tracer })({
      Records: records,
    });

    expect(response.batchItemFailures).toEqual([]);
    expect(processed).toHaveLength(5);
    const spans = recordSpans(records);
    expect(spans).toHaveLength(5);
    expect(spans.map((s) => s.links)).toEqual([[], [], [], [], []]);
  });

  it('ignores a registered propagator that throws', async () => {
    propagation.disable();
    propagation.setGlobalPropagator({
      inject: () => {},
      extract: () => {
        throw new Error('broken propagator');
      },
      fields: () => ['traceparent'],
    });
    try {
      const record = sqsRecord('a', { messageAttributes: traceparent(PRODUCER_TRACE, PRODUCER_SPAN) });
      record.attributes.AWSTraceHeader = `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${PRODUCER_SPAN};Sampled=1`;
      await createBatchHandler(() => {}, { tracer })({ Records: [record] });
      expect(recordSpans([record])[0]?.links.map((l) => l.context.spanId)).toEqual([PRODUCER_SPAN]);
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  });
  it('reads message attributes for any registered propagator, including one that lists their names', async () => {
    propagation.disable();
    const w3c = new W3CTraceContextPropagator();
    // A propagator that finds its header whatever its case, as some do, through the getter's keys().
    propagation.setGlobalPropagator({
      inject: () => {},
      extract: (ctx, carrier, getter) => {
        const key = getter.keys(carrier).find((k) => k.toLowerCase() === 'traceparent');
        const value = key === undefined ? undefined : getter.get(carrier, key);
        return w3c.extract(
          ctx,
          { traceparent: value },
          { keys: () => ['traceparent'], get: (c, k) => c[k as 'traceparent'] },
        );
      },
      fields: () => ['traceparent'],
    });
    try {
      const attributes = traceparent(PRODUCER_TRACE, PRODUCER_SPAN);
      const record = sqsRecord('a', { messageAttributes: { TraceParent: attributes.traceparent } });
      await createBatchHandler(() => {}, { tracer })({ Records: [record] });
      expect(recordSpans([record])[0]?.links.map((l) => l.context.spanId)).toEqual([PRODUCER_SPAN]);
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  });
});

describe('tracing: status by outcome', () => {
  it('marks a failed record ERROR, with error.type and the exception recorded', async () => {
    const event = sqsEvent(['ok', 'boom', 'string']);
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'boom') throw new TypeError('cannot read the order');
        if (record.body === 'string') throw 'plain string thrown';
      },
      { tracer },
    );
    await handler(event);

    const [ok, boom, string] = recordSpans(event.Records);
    expect(ok?.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(ok?.events).toEqual([]);
    expect(boom?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TypeError: cannot read the order' });
    expect(boom?.attributes).toMatchObject({ 'sqs_partial_batch.record.status': 'failed', 'error.type': 'TypeError' });
    expect(
      boom?.events.map((e) => [e.name, e.attributes?.['exception.type'], e.attributes?.['exception.message']]),
    ).toEqual([['exception', 'TypeError', 'cannot read the order']]);
    expect(boom?.events[0]?.attributes?.['exception.stacktrace']).toMatch(/TypeError: cannot read the order/);
    expect(string?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'plain string thrown' });
    expect(string?.attributes['error.type']).toBe('_OTHER');
    expect(string?.events[0]?.attributes?.['exception.message']).toBe('plain string thrown');
  });

  it('marks an invalid record ERROR with its RecordValidationError, and no span quotes the body', async () => {
    const secret = 'Jane Q Public, 1 Secret Lane';
    const event = sqsEvent([{ orderId: 'o-1', customer: secret, amountCents: 'lots' }, 'not json at all, also secret']);
    const handler = createBatchProcessor(() => {}, {
      tracer,
      schema: z.object({ orderId: z.string(), customer: z.string(), amountCents: z.number() }),
    });
    const { outcomes } = await handler(event);

    const spans = recordSpans(event.Records);
    expect(spans).toHaveLength(2);
    spans.forEach((span, index) => {
      const outcome = outcomes[index];
      expect(outcome?.status).toBe('invalid');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes).toMatchObject({
        'sqs_partial_batch.record.status': 'invalid',
        'error.type': 'RecordValidationError',
      });
      expect(span.events[0]?.attributes?.['exception.message']).toBe(
        (outcome as { error: RecordValidationError }).error.message,
      );
    });
    const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.status, s.events, s.links]));
    expect(everything).not.toContain('Secret Lane');
    expect(everything).not.toContain('also secret');
  });

  it('keeps the outcome the record settled with when the failure policy drops it', async () => {
    const event = sqsEvent(['poison']);
    const { outcomes } = await createBatchProcessor(
      () => {
        throw new PermanentError('unknown product');
      },
      { tracer, onPermanentFailure: 'drop', logger: false },
    )(event);

    expect(outcomes[0]?.status).toBe('dropped');
    const [span] = recordSpans(event.Records);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['sqs_partial_batch.record.status']).toBe('failed');
    expect(span?.attributes['error.type']).toBe('PermanentError');
  });

  it('gives a duplicate (idempotency) a span with status UNSET and the outcome', async () => {
    const store = new MemoryIdempotencyStore();
    const handler = createBatchHandler(() => {}, { tracer, idempotency: { store, key: (r) => r.messageId } });
    const event = sqsEvent(['a']);
    await handler(event);
    exporter.reset();

    await handler(event);

    const [span] = recordSpans(event.Records);
    expect(span?.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(span?.attributes['sqs_partial_batch.record.status']).toBe('duplicate');
    expect(span?.events).toEqual([]);
  });

  it('gives no span to records not run after a FIFO failure', async () => {
    const event = sqsEvent(['ok', 'boom', 'not run', 'not run either'], { fifo: true });
    const response = await createBatchHandler(
      (record) => {
        if (record.body === 'boom') throw new Error('boom');
      },
      { tracer },
    )(event);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(ids(event.Records).slice(1));
    const spans = recordSpans(event.Records);
    expect(spans.map((s) => s.attributes['messaging.message.id'])).toEqual(ids(event.Records).slice(0, 2));
    expect(spans.map((s) => s.attributes['sqs_partial_batch.record.status'])).toEqual(['succeeded', 'failed']);
  });

  it('ends the span of a record still running at the deadline then, with ERROR; records never started get none', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const event = sqsEvent(['ok', 'hang', 'never started']);
    const hang = deferred();
    const processBatch = createBatchProcessor((record) => (record.body === 'hang' ? hang.promise : undefined), {
      tracer,
    });

    const result = processBatch(event, lambdaContext({ remainingMs: 3000 }));
    await vi.advanceTimersByTimeAsync(2000);
    const { outcomes } = await result;

    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'failed', 'skipped']);
    const spans = recordSpans(event.Records);
    expect(spans).toHaveLength(2);
    const [, hung] = spans;
    expect(hung?.ended).toBe(true);
    expect(hung?.status.code).toBe(SpanStatusCode.ERROR);
    expect(hung?.attributes['error.type']).toBe('InvocationTimeoutError');
    // The SDK records an error's `code` as `exception.type` when it has one.
    expect(hung?.events[0]?.attributes?.['exception.type']).toBe('INVOCATION_TIMEOUT');

    // The record finishing later changes nothing: its span is ended and exported once.
    hang.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(recordSpans(event.Records)).toHaveLength(2);
    expect((outcomes[1] as { error: unknown }).error).toBeInstanceOf(InvocationTimeoutError);
  });
});

describe('tracing: the record span is active while processRecord runs', () => {
  it('parents spans started inside on their own record, under concurrency 10, and record spans on the caller', async () => {
    const event = sqsEvent(Array.from({ length: 30 }, (_, i) => `record-${i}`));
    const gates = event.Records.map(() => deferred());
    let running = 0;
    let most = 0;
    const handler = createBatchHandler(
      async (record) => {
        running++;
        most = Math.max(most, running);
        await tracer.startActiveSpan('charge', async (child) => {
          child.setAttribute('for', record.messageId);
          await gates[Number(record.body.slice(7))]?.promise;
          tracer.startSpan('nested').end();
          child.end();
        });
        running--;
      },
      { tracer, concurrency: 10 },
    );

    const done = tracer.startActiveSpan('lambda invocation', (invocation) =>
      handler(event).finally(() => invocation.end()),
    );
    // Release the records in an order unrelated to their start order, so their work interleaves.
    for (const index of [...gates.keys()].sort((a, b) => ((a * 7) % 30) - ((b * 7) % 30))) {
      await new Promise((resolve) => setImmediate(resolve));
      gates[index]?.resolve();
    }
    await done;

    expect(most).toBe(10);
    const all = exporter.getFinishedSpans();
    const invocation = all.find((s) => s.name === 'lambda invocation');
    const records = recordSpans(event.Records);
    expect(records).toHaveLength(30);
    for (const span of records) {
      expect(span.parentSpanContext?.spanId).toBe(invocation?.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(invocation?.spanContext().traceId);
    }
    const recordSpanOf = new Map(records.map((s) => [s.attributes['messaging.message.id'], s.spanContext().spanId]));
    const children = all.filter((s) => s.name === 'charge');
    expect(children).toHaveLength(30);
    for (const child of children) {
      expect(child.parentSpanContext?.spanId).toBe(recordSpanOf.get(child.attributes.for));
    }
    const childIds = new Set(children.map((c) => c.spanContext().spanId));
    const nested = all.filter((s) => s.name === 'nested');
    expect(nested).toHaveLength(30);
    expect(nested.every((n) => childIds.has(n.parentSpanContext?.spanId ?? ''))).toBe(true);
  });

  it('covers the time processRecord takes', async () => {
    const event = sqsEvent(['slow']);
    let inside: string | undefined;
    await createBatchHandler(
      async () => {
        inside = trace.getActiveSpan()?.spanContext().spanId;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
      { tracer },
    )(event);

    const [span] = recordSpans(event.Records);
    expect(inside).toBe(span?.spanContext().spanId);
    const [seconds = 0, nanos = 0] = span?.duration ?? [];
    expect(seconds * 1000 + nanos / 1e6).toBeGreaterThanOrEqual(15);
  });
});

describe('tracing: spans match outcomes (property-based)', () => {
  type Behaviour = 'ok' | 'ok-async' | 'throw' | 'reject' | 'throw-string' | 'invalid' | 'hang';
  const scenario = fc.record({
    records: fc.array(
      fc.record({
        behaviour: fc.constantFrom<Behaviour>(
          'ok',
          'ok-async',
          'ok-async',
          'throw',
          'reject',
          'throw-string',
          'invalid',
          'hang',
        ),
        group: fc.constantFrom('g1', 'g2', 'g3'),
      }),
      { maxLength: 20 },
    ),
    fifo: fc.boolean(),
    concurrency: fc.integer({ min: 1, max: 6 }),
    withDeadline: fc.boolean(),
  });

  it('one ended span per record that started, none for the others, ERROR exactly for failures, children nested', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ records, fifo, concurrency, withDeadline }) => {
        if (!withDeadline && records.some((r) => r.behaviour === 'hang')) return;
        exporter.reset();
        const event = sqsEvent(
          records.map(({ behaviour }) => (behaviour === 'invalid' ? 'not json' : behaviour)),
          { fifo, groupId: (i) => records[i]?.group ?? 'g1' },
        );
        const processBatch = createBatchProcessor(
          (record) =>
            tracer.startActiveSpan('child', async (child) => {
              child.setAttribute('for', record.messageId);
              try {
                await flush();
                switch (record.body) {
                  case 'hang':
                    return await new Promise(() => {});
                  case 'throw':
                    throw new Error('boom');
                  case 'reject':
                    return await Promise.reject(new Error('boom'));
                  case 'throw-string':
                    throw 'boom';
                }
              } finally {
                child.end();
              }
            }),
          {
            tracer,
            concurrency,
            timeoutMarginMs: 10,
            logger: false,
            schema: z.string().refine((body) => body !== 'not json'),
          },
        );
        const { outcomes } = await processBatch(event, withDeadline ? lambdaContext({ remainingMs: 40 }) : undefined);

        const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
        const started = outcomes.filter((o) => o.status !== 'skipped');
        expect(spans.map((s) => s.attributes['messaging.message.id']).sort()).toEqual(
          started.map((o) => o.messageId).sort(),
        );
        const byId = new Map(spans.map((s) => [s.attributes['messaging.message.id'], s]));
        for (const outcome of started) {
          const span = byId.get(outcome.messageId);
          expect(span?.ended).toBe(true);
          expect(span?.attributes['sqs_partial_batch.record.status']).toBe(outcome.status);
          expect(span?.status.code).toBe(
            outcome.status === 'failed' || outcome.status === 'invalid' ? SpanStatusCode.ERROR : SpanStatusCode.UNSET,
          );
        }
        for (const child of exporter.getFinishedSpans().filter((s) => s.name === 'child')) {
          expect(child.parentSpanContext?.spanId).toBe(byId.get(child.attributes.for)?.spanContext().spanId);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('tracing: a tracer that misbehaves costs no record', () => {
  it('runs every record when startSpan throws', async () => {
    const broken = {
      startSpan: () => {
        throw new Error('tracer broke');
      },
      startActiveSpan: () => undefined,
    };
    const event = sqsEvent(['a', 'b']);
    const seen: string[] = [];
    const response = await createBatchHandler((record) => void seen.push(record.body), { tracer: broken })(event);
    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual(['a', 'b']);
  });

  it('ends the span of a record whose error has throwing getters', async () => {
    const hostile = new Error('hostile');
    Object.defineProperty(hostile, 'name', {
      get() {
        throw new Error('no name for you');
      },
    });
    const event = sqsEvent(['a']);
    const response = await createBatchHandler(
      () => {
        throw hostile;
      },
      { tracer, throwOnFullBatchFailure: false, logger: false },
    )(event);

    expect(response.batchItemFailures).toHaveLength(1);
    const [span] = recordSpans(event.Records);
    expect(span?.ended).toBe(true);
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('_OTHER');
  });
});

describe('tracing: a broken context manager costs no record', () => {
  it('runs the record outside its span when the context manager throws', async () => {
    context.disable();
    context.setGlobalContextManager({
      active: () => ROOT_CONTEXT,
      with: () => {
        throw new Error('broken context manager');
      },
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    });
    try {
      const event = sqsEvent(['a', 'b']);
      const seen: string[] = [];
      const response = await createBatchHandler((record) => void seen.push(record.body), { tracer })(event);
      expect(response.batchItemFailures).toEqual([]);
      expect(seen).toEqual(['a', 'b']);
    } finally {
      context.disable();
      context.setGlobalContextManager(contextManager.enable());
    }
  });
});

describe('the tracer option', () => {
  it.each([
    ['a string', 'tracer', '`"tracer"` (string)'],
    ['a number', 1, '`1` (number)'],
    ['null', null, '`null` (null)'],
    ['a function', () => {}, 'a function'],
    ['a TracerProvider', provider, 'an object'],
    ['an object with startSpan only', { startSpan: () => ({}) }, 'an object'],
    [
      'a Powertools (X-Ray) Tracer-like object',
      { getSegment: () => ({}), captureLambdaHandler: () => {} },
      'an object',
    ],
  ])('rejects %s at creation', (_, value, described) => {
    const create = () => createBatchHandler(() => {}, { tracer: value as unknown as Tracer });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(
      `Expected \`tracer\` to be an OpenTelemetry Tracer (an object with \`startSpan\` and \`startActiveSpan\` methods, from \`trace.getTracer(name)\`), got ${described}`,
    );
    expect(() => createBatchProcessor(() => {}, { tracer: value as unknown as Tracer })).toThrow(InvalidOptionsError);
  });

  it('accepts an explicit undefined, and the global API tracer', async () => {
    expect(() => createBatchHandler(() => {}, { tracer: undefined })).not.toThrow();
    const handler = createBatchHandler(() => {}, { tracer: trace.getTracer('global') });
    expect((await handler(sqsEvent(['a']))).batchItemFailures).toEqual([]);
  });

  it('suggests the key for a typo', () => {
    expect(() => createBatchHandler(() => {}, { tracr: tracer } as never)).toThrow(/did you mean `tracer`/);
  });
});
