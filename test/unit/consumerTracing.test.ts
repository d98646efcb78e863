import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumer } from '../../src/consumer/index.js';
import { runUntil } from '../helpers/consumer.js';
import { SqsModel } from '../helpers/sqsModel.js';

// Issue #18, item 5: on real timers, since the async context follows real callbacks only.

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('consumer');
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  context.disable();
  propagation.disable();
});

const PRODUCER_TRACE = '5759e988bd862e3fe1be46a994272793';
const PRODUCER_SPAN = '53995c3f42cd8ad8';
const XRAY_TRACE = '0af7651916cd43dd8448eb211c80319c';
const XRAY_SPAN = 'b7ad6b7169203331';

describe('record spans of the consumer (item 5)', () => {
  it("start from each message's own context, linked to its producer, not from the span active at start()", async () => {
    const sqs = new SqsModel(30);
    const w3c = sqs.add({
      body: 'w3c',
      messageAttributes: {
        traceparent: { DataType: 'String', StringValue: `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01` },
      },
    });
    const xray = sqs.add({
      body: 'xray',
      attributes: {
        AWSTraceHeader: `Root=1-${XRAY_TRACE.slice(0, 8)}-${XRAY_TRACE.slice(8)};Parent=${XRAY_SPAN};Sampled=1`,
      },
    });
    let done = 0;
    const consumer = createConsumer(
      async () => {
        await tracer.startActiveSpan('work', async (span) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          span.end();
        });
        done++;
      },
      { queueUrl: 'https://sqs.example/orders', client: sqs, waitTimeSeconds: 0, tracer, logger: false },
    );
    const startup = tracer.startSpan('startup');

    await context.with(trace.setSpan(context.active(), startup), () => runUntil(consumer, () => done === 2));
    startup.end();

    const spans = exporter.getFinishedSpans();
    const records = spans.filter((span) => span.kind === SpanKind.CONSUMER);
    expect(records).toHaveLength(2);
    for (const span of records) {
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.spanContext().traceId).not.toBe(startup.spanContext().traceId);
    }
    const linksOf = (id: string) =>
      records
        .find((span) => span.attributes['messaging.message.id'] === id)
        ?.links.map((link) => [link.context.traceId, link.context.spanId]);
    expect(linksOf(w3c)).toEqual([[PRODUCER_TRACE, PRODUCER_SPAN]]);
    expect(linksOf(xray)).toEqual([[XRAY_TRACE, XRAY_SPAN]]);
    // The user's spans still nest under their record's.
    const recordSpanIds = new Set(records.map((span) => span.spanContext().spanId));
    const work = spans.filter((span) => span.name === 'work');
    expect(work).toHaveLength(2);
    expect(work.every((span) => recordSpanIds.has(span.parentSpanContext?.spanId ?? ''))).toBe(true);
  });
});
