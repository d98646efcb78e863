/**
 * Metrics, logs and spans under hostile sinks (issue #18, "And the habit").
 * Each run gives the handler generated records (a marker in every body, in
 * what the schema throws and in the issues it quotes), an event source ARN
 * that may hold characters CloudWatch refuses, and generated sinks:
 *
 * - metrics: the EMF writer on a stdout that works or throws, or a
 *   Powertools-like sink whose every method works, throws, rejects (now or
 *   later), never settles, answers garbage, is missing or is a throwing getter;
 * - logs: the default JSON logger (on a stdout and stderr that work or
 *   throw), or a logger whose every method misbehaves;
 * - spans: an OpenTelemetry SDK tracer whose exporter works, throws, reports
 *   failure, never calls back or calls back twice, behind a simple or a batch
 *   processor; or a hostile tracer (throws, answers garbage, or spans whose
 *   methods throw or reject).
 *
 * Whatever they do: the handler answers before its deadline with each failed
 * id once, nothing escapes as an unhandled rejection, no body text reaches a
 * log line, an error or a span, and every metrics document written holds to
 * CloudWatch's rules with counts that add up. Two more properties check the
 * option and the logger against generated input: dimensions are refused at
 * creation or written as CloudWatch takes them; the logger's own fields win.
 *
 * `SINK_RUNS=500 npx vitest run test/property/sinks.test.ts` runs it larger.
 */
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchLogger,
  createBatchProcessor,
  InvalidOptionsError,
  METRIC_NAMES,
  type MetricsSink,
  type StandardSchemaV1,
  type TracerLike,
} from '../../src/index.js';
import { dimensionNameProblem, dimensionValueProblem } from '../../src/observability/cloudWatchNames.js';
import { JsonLogger } from '../../src/observability/jsonLogger.js';
import { lambdaContext, sqsRecord } from '../helpers/events.js';
import { never, revokedProxy, throwingThenable } from '../helpers/hostile.js';
import { captureOutput, withLogLevel } from '../helpers/stdout.js';
import { reachableStrings, recordingLogger, settlesWithin, settleTicks, watchProcess } from '../helpers/watch.js';
import { LOG_MODES, type LoggerSpec, type LogMode } from './arbitraries.js';
import { Ledger, loggerFor } from './plugins.js';

const RUNS = Number(process.env.SINK_RUNS) || undefined;
const MARKER = 'SINKBODYMARKQZ';

const KINDS = ['ok', 'fail', 'invalid-json', 'issues', 'schema-throws'] as const;
type Kind = (typeof KINDS)[number];

const QUEUE_NAMES = ['orders', 'orders\nfifo', 'orders\u0000', 'zamówienia', 'q'.repeat(1500), '   ', ''] as const;

const SINK_MODES = ['ok', 'throw', 'reject', 'reject-late', 'hang', 'garbage', 'missing', 'getter-throws'] as const;
type SinkMode = (typeof SINK_MODES)[number];

const EXPORTER_MODES = ['ok', 'throw', 'fail', 'never-callback', 'callback-twice', 'throw-later'] as const;
type ExporterMode = (typeof EXPORTER_MODES)[number];

const HOSTILE_TRACERS = [
  'start-throws',
  'start-null',
  'start-revoked-proxy',
  'methods-throw',
  'methods-reject',
  'methods-getters-throw',
] as const;
type HostileTracer = (typeof HOSTILE_TRACERS)[number];

interface SinkScenario {
  readonly kinds: readonly Kind[];
  readonly queueName: string;
  readonly metrics:
    | { readonly kind: 'none' }
    | { readonly kind: 'emf' }
    | {
        readonly kind: 'sink';
        readonly addMetric: SinkMode;
        readonly addDimension: SinkMode;
        readonly publish: SinkMode;
      };
  readonly logger: { readonly kind: 'default' } | { readonly kind: 'hostile'; readonly spec: LoggerSpec };
  readonly stdout: 'ok' | 'throw';
  readonly tracer:
    | { readonly kind: 'none' }
    | { readonly kind: 'sdk'; readonly exporter: ExporterMode; readonly processor: 'simple' | 'batch' }
    | { readonly kind: 'hostile'; readonly mode: HostileTracer };
}

const sinkMode = fc.oneof(
  { weight: 1, arbitrary: fc.constant<SinkMode>('ok') },
  { weight: 2, arbitrary: fc.constantFrom(...SINK_MODES) },
);
const logMode = fc.oneof(
  { weight: 1, arbitrary: fc.constant<LogMode>('ok') },
  { weight: 2, arbitrary: fc.constantFrom(...LOG_MODES) },
);

const scenario: fc.Arbitrary<SinkScenario> = fc.record({
  kinds: fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 6 }),
  queueName: fc.constantFrom(...QUEUE_NAMES),
  metrics: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.constant({ kind: 'emf' as const }),
    fc.record({ kind: fc.constant('sink' as const), addMetric: sinkMode, addDimension: sinkMode, publish: sinkMode }),
  ),
  logger: fc.oneof(
    fc.constant({ kind: 'default' as const }),
    fc.record({
      kind: fc.constant('hostile' as const),
      spec: fc.record({ debug: logMode, info: logMode, warn: logMode, error: logMode }),
    }),
  ),
  stdout: fc.constantFrom('ok', 'ok', 'throw' as const),
  tracer: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({
      kind: fc.constant('sdk' as const),
      exporter: fc.constantFrom(...EXPORTER_MODES),
      processor: fc.constantFrom('simple', 'batch' as const),
    }),
    fc.record({ kind: fc.constant('hostile' as const), mode: fc.constantFrom(...HOSTILE_TRACERS) }),
  ),
});

const schema: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'sinks-property',
    validate(value) {
      const { kind, note } = value as { kind: Kind; note: string };
      if (kind === 'issues')
        return { issues: [{ message: `Expected a kind, got "${note.slice(0, 12)}"...`, path: ['kind'] }] };
      if (kind === 'schema-throws') throw new SyntaxError(`Unexpected token in "${note}"`);
      return { value };
    },
  },
};

function records(s: SinkScenario): SQSRecord[] {
  return s.kinds.map((kind, index) => {
    const note = `${MARKER} ${index}`;
    const body = kind === 'invalid-json' ? `${note} is not JSON` : JSON.stringify({ kind, note });
    return sqsRecord(body, { eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${s.queueName}` });
  });
}

/** A method that behaves as `mode` says, calling `record` with its arguments when it works. */
function method(mode: SinkMode, ledger: Ledger, record: (...args: unknown[]) => void): unknown {
  switch (mode) {
    case 'ok':
      return (...args: unknown[]) => void record(...args);
    case 'throw':
      return () => {
        throw new Error('sink down');
      };
    case 'reject':
      return () => Promise.reject(new Error('sink down'));
    case 'reject-late':
      return () =>
        ledger.later(5, () => {
          throw new Error('sink down, later');
        });
    case 'hang':
      return () => never();
    case 'garbage':
      return () => throwingThenable();
    default:
      return undefined;
  }
}

function hostileSink(
  s: Extract<SinkScenario['metrics'], { kind: 'sink' }>,
  ledger: Ledger,
  added: Array<[string, unknown]>,
) {
  const sink: Record<string, unknown> = {};
  const define = (name: string, mode: SinkMode, record: (...args: unknown[]) => void) => {
    if (mode === 'missing') return;
    if (mode === 'getter-throws') {
      // Throws once the handler is made: at creation, a sink that cannot be read is refused instead.
      Object.defineProperty(sink, name, {
        get() {
          if (ledger.armed) throw new Error('getter');
          return () => {};
        },
      });
      return;
    }
    sink[name] = method(mode, ledger, record);
  };
  // addMetric is required: a sink without it is refused at creation, so "missing" keeps a working one.
  define('addMetric', s.addMetric === 'missing' ? 'ok' : s.addMetric, (name) => void added.push(['metric', name]));
  define('addDimension', s.addDimension, (name, value) => void added.push([String(name), value]));
  define('publishStoredMetrics', s.publish, () => void added.push(['published', true]));
  return sink as unknown as MetricsSink;
}

function exporterFor(mode: ExporterMode, ledger: Ledger): SpanExporter {
  return {
    export(_spans, callback) {
      switch (mode) {
        case 'ok':
          return callback({ code: 0 });
        case 'throw':
          throw new Error('exporter down');
        case 'fail':
          return callback({ code: 1, error: new Error('rejected by the collector') });
        case 'never-callback':
          return;
        case 'callback-twice':
          callback({ code: 0 });
          return callback({ code: 1 });
        case 'throw-later':
          void ledger.later(5, () => {
            callback({ code: 0 });
          });
          return;
      }
    },
    shutdown: () => (mode === 'never-callback' ? never() : Promise.resolve()),
    forceFlush: () => Promise.resolve(),
  };
}

/** A tracer that misbehaves as `mode` says; every argument its spans are handed goes to `seen`. */
function hostileTracer(mode: HostileTracer, seen: unknown[]): TracerLike {
  const spanMethods = [
    'end',
    'setAttribute',
    'setAttributes',
    'setStatus',
    'recordException',
    'spanContext',
    'isRecording',
  ];
  const span = (): object => {
    const target: Record<string, unknown> = {};
    for (const name of spanMethods) {
      if (mode === 'methods-getters-throw') {
        Object.defineProperty(target, name, {
          get(): never {
            throw new Error('span getter');
          },
        });
      } else {
        target[name] = (...args: unknown[]) => {
          seen.push(args);
          if (name === 'spanContext') return { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 };
          if (mode === 'methods-throw') throw new Error(`${name} threw`);
          return Promise.reject(new Error(`${name} rejected`));
        };
      }
    }
    return target;
  };
  return {
    startSpan(...args: unknown[]) {
      seen.push(args);
      if (mode === 'start-throws') throw new Error('no spans today');
      if (mode === 'start-null') return null as unknown as object;
      if (mode === 'start-revoked-proxy') return revokedProxy();
      return span();
    },
    startActiveSpan: () => undefined,
  };
}

/** Hands each call to `first`, then returns what `second` does with it. */
function teeLogger(first: BatchLogger, second: BatchLogger): BatchLogger {
  const tee =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, attributes: Record<string, unknown>): unknown => {
      first[level](message, attributes);
      return second[level](message, attributes);
    };
  return { debug: tee('debug'), info: tee('info'), warn: tee('warn'), error: tee('error') } as BatchLogger;
}

async function violationsOf(s: SinkScenario): Promise<string[]> {
  const violations: string[] = [];
  const ledger = new Ledger(s.kinds.length);
  const added: Array<[string, unknown]> = [];
  const seenBySpans: unknown[] = [];
  const recorded = s.logger.kind === 'hostile' ? recordingLogger() : undefined;
  const hostileLogger = s.logger.kind === 'hostile' ? loggerFor(s.logger.spec, ledger) : undefined;
  const tee = new InMemorySpanExporter();
  const provider =
    s.tracer.kind === 'sdk'
      ? new BasicTracerProvider({
          spanProcessors: [
            new SimpleSpanProcessor(tee),
            s.tracer.processor === 'simple'
              ? new SimpleSpanProcessor(exporterFor(s.tracer.exporter, ledger))
              : new BatchSpanProcessor(exporterFor(s.tracer.exporter, ledger), { scheduledDelayMillis: 1 }),
          ],
        })
      : undefined;
  const tracer =
    s.tracer.kind === 'sdk'
      ? (provider?.getTracer('sinks') as unknown as TracerLike)
      : s.tracer.kind === 'hostile'
        ? hostileTracer(s.tracer.mode, seenBySpans)
        : undefined;
  const metrics =
    s.metrics.kind === 'emf'
      ? { namespace: 'Orders', dimensions: { Service: 'checkout' } }
      : s.metrics.kind === 'sink'
        ? hostileSink(s.metrics, ledger, added)
        : undefined;
  // The hostile logger misbehaves; a recording one beside it keeps what it was handed.
  const logger = hostileLogger === undefined || recorded === undefined ? undefined : teeLogger(recorded, hostileLogger);
  const processBatch = withLogLevel('DEBUG', () =>
    createBatchProcessor(
      (record) => {
        if ((record.body as { kind: Kind }).kind === 'fail') throw new Error('declined');
      },
      { schema, logger, tracer, metrics, timeoutMarginMs: 500 },
    ),
  );
  ledger.armed = true;

  const output = captureOutput();
  if (s.stdout === 'throw') {
    for (const stream of [process.stdout, process.stderr]) {
      (stream.write as unknown as { mockImplementation(fn: () => never): void }).mockImplementation(() => {
        throw new Error('EPIPE');
      });
    }
  }
  const watch = watchProcess();
  const event = { Records: records(s) };
  const ids = event.Records.map((r) => r.messageId);
  const context = lambdaContext({ remainingMs: 3000 });
  let outcomes: unknown;
  let response: { batchItemFailures: Array<{ itemIdentifier: string }> } | undefined;
  let remaining = 0;
  try {
    const settled = await settlesWithin(
      processBatch(event, context).then(
        (result) => {
          remaining = context.getRemainingTimeInMillis();
          outcomes = result.outcomes;
          response = result.response;
        },
        (error: unknown) => void violations.push(`rejected: ${String(error)}`),
      ),
      3500,
    );
    if (!settled) violations.push('did not answer');
    await settlesWithin(Promise.all(ledger.pending), 500);
    if (provider !== undefined) await settlesWithin(provider.shutdown(), 200);
    await settleTicks(3);
  } finally {
    watch.stop();
    output.restore();
  }

  for (const { event: kind, reason } of watch.escaped) violations.push(`${kind}: ${String(reason)}`);
  if (response === undefined) return violations;
  if (!(remaining > 0)) violations.push('answered after the deadline');
  const reported = response.batchItemFailures.map((f) => f.itemIdentifier);
  const expected = ids.filter((_, i) => s.kinds[i] !== 'ok');
  if (JSON.stringify(reported) !== JSON.stringify(expected)) {
    violations.push(`reported ${JSON.stringify(reported)}, expected ${JSON.stringify(expected)}`);
  }

  // No body text in logs, errors or spans.
  const spans = tee.getFinishedSpans().map((span: ReadableSpan) => ({
    name: span.name,
    attributes: span.attributes,
    status: span.status,
    events: span.events,
  }));
  const places: Array<[string, string[]]> = [
    ['stdout or stderr', [...output.stdout, ...output.stderr]],
    ['a log call', recorded?.entries.flatMap((entry) => entry.strings) ?? []],
    ['an error', reachableStrings(outcomes)],
    ['a span', [...reachableStrings(spans), ...reachableStrings(seenBySpans)]],
    ['a metric', reachableStrings(added)],
  ];
  for (const [where, texts] of places)
    if (texts.some((text) => text.includes(MARKER))) violations.push(`body text in ${where}`);

  // Metrics documents hold to CloudWatch's rules, and add up.
  if (s.metrics.kind === 'emf' && s.stdout === 'ok') {
    const documents = output.stdout
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((doc) => '_aws' in doc);
    if (documents.length !== 1) violations.push(`${documents.length} metrics documents`);
    for (const doc of documents) {
      const directive = (doc._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0];
      for (const name of directive?.Dimensions[0] ?? []) {
        if (dimensionNameProblem(name) !== undefined || dimensionValueProblem(doc[name]) !== undefined) {
          violations.push(`dimension ${JSON.stringify(name)}=${JSON.stringify(doc[name])} breaks CloudWatch's rules`);
        }
      }
      const counts = Object.entries(METRIC_NAMES)
        .filter(
          ([key]) =>
            ![
              'batchSize',
              'duration',
              'oldestAge',
              'invalidBodies',
              'offloaded',
              'shortCircuited',
              'circuitOpen',
            ].includes(key),
        )
        .reduce((sum, [, name]) => sum + Number(doc[name]), 0);
      if (counts !== doc.BatchSize || doc.BatchSize !== s.kinds.length) violations.push('the counts do not add up');
      // Invalid bodies are seen whatever the failure policy did with them.
      const invalid = Number(doc.InvalidBodies);
      if (!(invalid >= Number(doc.RecordsInvalid) && invalid <= Number(doc.BatchSize))) {
        violations.push('InvalidBodies does not cover RecordsInvalid');
      }
    }
  }
  for (const [name, value] of added) {
    if (name === 'QueueName' && dimensionValueProblem(value) !== undefined) {
      violations.push(`QueueName ${JSON.stringify(value)} breaks CloudWatch's rules`);
    }
  }
  return violations;
}

beforeAll(async () => {
  // The tracing feature imports its code at creation; let the first generated run find it loaded.
  await import('../../src/observability/spans.js');
  await import('@opentelemetry/api');
}, 20_000);

describe('metrics, logs and spans under hostile sinks (property-based)', () => {
  it('every record answered for, nothing escaping, no body text, every metrics document valid', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const violations = await violationsOf(s);
        if (violations.length > 0) throw new Error(`A sink broke the promise:\n- ${violations.join('\n- ')}`);
      }),
      { numRuns: RUNS ?? 80, interruptAfterTimeLimit: 50_000, markInterruptAsFailure: true },
    );
  }, 70_000);
});

describe('generated input against the metrics option and the default logger (property-based)', () => {
  let output: ReturnType<typeof captureOutput> | undefined;
  afterEach(() => {
    output?.restore();
    output = undefined;
  });

  const names = fc.oneof(
    fc.constantFrom('_aws', 'QueueName', ...Object.values(METRIC_NAMES), ':x', ' ', 'Service', 'a:b', 'n'.repeat(256)),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
  );
  const values = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
    fc.constantFrom('v'.repeat(1024), 'v'.repeat(1025), '  ', ''),
  );

  it('dimensions are refused at creation, or written as CloudWatch takes them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(names, values, { maxKeys: 4 }), async (dimensions) => {
        let handler: ReturnType<typeof createBatchProcessor> | undefined;
        try {
          handler = createBatchProcessor(() => {}, { metrics: { namespace: 'Orders', dimensions }, logger: false });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidOptionsError);
          return;
        }
        output = captureOutput();
        await handler({ Records: [sqsRecord('a')] }, lambdaContext());
        output.restore();
        const [doc] = output.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
        const reserved = new Set<string>(['_aws', 'QueueName', ...Object.values(METRIC_NAMES)]);
        for (const [name, value] of Object.entries(dimensions)) {
          expect(reserved.has(name)).toBe(false);
          expect(dimensionNameProblem(name)).toBeUndefined();
          expect(dimensionValueProblem(value)).toBeUndefined();
          expect(doc?.[name]).toBe(value);
        }
      }),
      { numRuns: RUNS ?? 150 },
    );
  });

  it('the logger’s own fields win, and every attribute is kept', () => {
    const keys = fc.oneof(
      fc.constantFrom('level', 'message', 'timestamp', 'messageId', '__proto__'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.dictionary(keys, fc.jsonValue(), { maxKeys: 5 }), fc.string(), (attributes, message) => {
        const lines: string[] = [];
        const out = { log: (line: string) => void lines.push(line), error: (line: string) => void lines.push(line) };
        new JsonLogger({ messageId: 'm-1' }, 0, out).error(message, attributes);
        const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
        expect([line.level, line.message, line.messageId]).toEqual(['ERROR', message, 'm-1']);
        expect(typeof line.timestamp === 'string' && !Number.isNaN(Date.parse(line.timestamp))).toBe(true);
        for (const [key, value] of Object.entries(attributes)) {
          const taken = ['level', 'message', 'timestamp', 'messageId'].includes(key);
          expect(line[taken ? `attributes.${key}` : key]).toEqual(JSON.parse(JSON.stringify(value)));
        }
      }),
      { numRuns: RUNS ?? 200 },
    );
  });
});
