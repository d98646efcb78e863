import type { Attributes, Context, Link, Span, SpanContext, TextMapGetter, Tracer } from '@opentelemetry/api';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { Feature, InvocationHooks, InvocationStart } from '../contracts/hooks.js';
import { describeError } from '../errors.js';
import { messageGroupIdOf, queueNameOf, receiveCountOf } from '../recordFields.js';
import type { BatchResult, RecordOutcome, TracerLike } from '../types.js';
import { isInstance } from '../util.js';
import { quietly } from './quietly.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_SYSTEM_NAME,
  ATTR_RECORD_MESSAGE_GROUP_ID,
  ATTR_RECORD_RECEIVE_COUNT,
  ATTR_RECORD_STATUS,
  ERROR_TYPE_VALUE_OTHER,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_SYSTEM_NAME_VALUE_AWS_SQS,
  MESSAGING_SYSTEM_VALUE_AWS_SQS,
} from './semconv.js';
import { spanContextFromXRay } from './xray.js';

type OpenTelemetryApi = typeof import('@opentelemetry/api');

let api: Promise<OpenTelemetryApi> | undefined;

/**
 * `@opentelemetry/api`, imported on first use. The `.catch` sits on the
 * `import()` itself, which is what lets esbuild bundle a handler when the
 * package is not installed; a failed import is not cached.
 */
function loadApi(): Promise<OpenTelemetryApi> {
  api ??= import('@opentelemetry/api').catch((error: unknown) => {
    api = undefined;
    throw new Error(
      `sqs-partial-batch: the \`tracer\` option needs @opentelemetry/api (npm install @opentelemetry/api): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  return api;
}

/**
 * The tracing feature behind the `tracer` option: one span per record that
 * runs. Internal: `tracingOption.ts` imports this module (a chunk of its
 * own) when a handler is created with `tracer`.
 *
 * @param tracer - An OpenTelemetry `Tracer`, already checked by the core.
 * @returns The feature, once `@opentelemetry/api` is loaded.
 * @throws An `Error` (as a rejection) when `@opentelemetry/api` cannot be loaded.
 */
export async function createRecordTracing(tracer: TracerLike): Promise<Feature> {
  const otel = await loadApi();
  return { start: (invocation) => new RecordSpans(otel, tracer as unknown as Tracer, invocation) };
}

/** Reads message attributes for the registered propagator: `traceparent` is `messageAttributes.traceparent.stringValue`. */
const MESSAGE_ATTRIBUTES: TextMapGetter<SQSMessageAttributes> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = Object.hasOwn(carrier, key) ? carrier[key]?.stringValue : undefined;
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * One invocation's spans. A record's span starts when its turn comes (so a
 * record that never starts has none), is the active span while the user's
 * function runs, and ends when the record settles, with the outcome it
 * settled with: a failure the failure policy later dead-letters or drops
 * keeps status ERROR and `sqs_partial_batch.record.status` `failed`.
 * Every span's parent is the context active when the invocation started
 * (the Lambda invocation's span, when there is one), never another record's;
 * in a consumer (a hosted invocation) there is none: each record's span
 * starts a trace of its own, linked to its producer's.
 */
class RecordSpans implements InvocationHooks {
  private readonly spans: Array<Span | undefined>;
  private readonly parent: Context;

  constructor(
    private readonly otel: OpenTelemetryApi,
    private readonly tracer: Tracer,
    private readonly invocation: InvocationStart,
  ) {
    this.spans = new Array(invocation.ids.length);
    // The consumer's ambient context is whatever was active when `start()` was called, long ended.
    this.parent = invocation.hosted ? otel.ROOT_CONTEXT : otel.context.active();
  }

  recordStarted(index: number): void {
    const record = this.invocation.records[index] as SQSRecord;
    const queue = queueNameOf(record.eventSourceARN);
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_AWS_SQS,
      [ATTR_MESSAGING_SYSTEM_NAME]: MESSAGING_SYSTEM_NAME_VALUE_AWS_SQS,
      [ATTR_MESSAGING_OPERATION_NAME]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [ATTR_MESSAGING_MESSAGE_ID]: this.invocation.ids[index] as string,
      [ATTR_RECORD_RECEIVE_COUNT]: receiveCountOf(record),
    };
    if (queue !== undefined) attributes[ATTR_MESSAGING_DESTINATION_NAME] = queue;
    const group = messageGroupIdOf(record);
    if (group !== undefined) attributes[ATTR_RECORD_MESSAGE_GROUP_ID] = group;
    const span: unknown = this.tracer.startSpan(
      queue === undefined
        ? MESSAGING_OPERATION_TYPE_VALUE_PROCESS
        : `${MESSAGING_OPERATION_TYPE_VALUE_PROCESS} ${queue}`,
      { kind: this.otel.SpanKind.CONSUMER, attributes, links: this.producerLinks(record) },
      this.parent,
    );
    // A tracer that answers something other than a span: the record runs without one.
    this.spans[index] = isSpan(span) ? span : undefined;
  }

  callRecord(index: number, call: () => unknown): unknown {
    const span = this.spans[index];
    if (span === undefined) return call();
    return this.otel.context.with(this.otel.trace.setSpan(this.parent, span), call);
  }

  recordSettled(outcome: RecordOutcome): void {
    const span = this.spans[outcome.index];
    if (span === undefined) return;
    this.spans[outcome.index] = undefined;
    // Each call on its own: a span method that throws (or returns a promise that rejects) costs only itself.
    quietly(() => span.setAttribute(ATTR_RECORD_STATUS, outcome.status));
    if (outcome.status === 'failed' || outcome.status === 'invalid') this.markFailed(span, outcome.error);
    quietly(() => span.end());
  }

  /** Ends any span still open (none, unless the run broke): every started record has its outcome now. */
  answered(result: BatchResult): void {
    for (let index = 0; index < this.spans.length; index++) {
      const outcome = result.outcomes[index];
      if (this.spans[index] !== undefined && outcome !== undefined) this.recordSettled(outcome);
    }
  }

  /** Status ERROR, `error.type`, and the exception as thrown (our errors never quote a body). */
  private markFailed(span: Span, error: unknown): void {
    const { SpanStatusCode } = this.otel;
    quietly(() =>
      span.setStatus({ code: SpanStatusCode.ERROR, message: safely(() => describeError(error), 'Record failed') }),
    );
    quietly(() =>
      span.setAttribute(
        ATTR_ERROR_TYPE,
        safely(() => errorType(error), ERROR_TYPE_VALUE_OTHER),
      ),
    );
    quietly(() =>
      span.recordException(isInstance(error, Error) ? error : safely(() => describeError(error), typeof error)),
    );
  }

  /**
   * Links to the producer's span: from the message attributes, through the
   * registered propagator (W3C `traceparent` with the SDK's defaults), and
   * from the `AWSTraceHeader` system attribute (X-Ray). The same context
   * from both is linked once. Malformed values give no link.
   */
  private producerLinks(record: SQSRecord): Link[] {
    const links: Link[] = [];
    const propagated = this.fromMessageAttributes(record.messageAttributes);
    if (propagated !== undefined) links.push({ context: propagated });
    const xray = spanContextFromXRay(record.attributes?.AWSTraceHeader);
    if (xray !== undefined && !(xray.traceId === propagated?.traceId && xray.spanId === propagated.spanId)) {
      links.push({ context: xray });
    }
    return links;
  }

  private fromMessageAttributes(attributes: SQSMessageAttributes | undefined): SpanContext | undefined {
    if (typeof attributes !== 'object' || attributes === null) return undefined;
    try {
      const { otel } = this;
      const context = otel.trace.getSpanContext(
        otel.propagation.extract(otel.ROOT_CONTEXT, attributes, MESSAGE_ATTRIBUTES),
      );
      return context !== undefined && otel.isSpanContextValid(context) ? context : undefined;
    } catch {
      return undefined; // a propagator that throws on a malformed value: no link
    }
  }
}

/** True for an object with the span methods this module calls. */
function isSpan(value: unknown): value is Span {
  if (typeof value !== 'object' || value === null) return false;
  try {
    const span = value as Record<keyof Span, unknown>;
    return (
      typeof span.end === 'function' &&
      typeof span.setAttribute === 'function' &&
      typeof span.setStatus === 'function' &&
      typeof span.recordException === 'function' &&
      typeof span.spanContext === 'function'
    );
  } catch {
    return false; // a revoked proxy
  }
}

/** `error.type`: the error's name (`TypeError`, `RecordValidationError`), or `_OTHER` for a thrown non-error. */
function errorType(error: unknown): string {
  const name = isInstance(error, Error) ? error.name : undefined;
  return typeof name === 'string' && name !== '' ? name : ERROR_TYPE_VALUE_OTHER;
}

/** `read()`, or `fallback` if it throws (an error with a throwing getter must not leave the span open). */
function safely(read: () => string, fallback: string): string {
  try {
    return read();
  } catch {
    return fallback;
  }
}
