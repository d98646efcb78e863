/**
 * The container consumer against generated hostile SQS clients. Each SQS
 * command, call after call, answers, hangs (before or after carrying out the
 * request), throws, answers late, answers garbage or fails some entries; the
 * messages' records succeed, fail, fail for good, run long or hang; the
 * consumer runs for a while, then is stopped. On fake timers (the queue model
 * runs on them too), so minutes of queue time take milliseconds. Whatever SQS
 * does:
 *
 * - no message runs twice at once in one consumer, whether or not the
 *   heartbeat can extend it, never more than `concurrency` records run, and
 *   never more than `concurrency` plus `prefetch` messages are held;
 * - `stop()` and `start()` settle within the bound `stop()` documents, and
 *   `start()` rejects only when SQS answered that the queue cannot be used;
 * - nothing is deleted (nor asked to be) that did not succeed or was not
 *   dropped by the failure policy, and a message without a string body never is;
 * - while it reports `running` with a free slot, it never goes longer than
 *   one receive's bound plus the longest retry delay without receiving;
 * - no body text reaches a log line, an error or a span.
 *
 * `HOSTILE_RUNS=500 npx vitest run test/property/consumer.test.ts` runs it
 * larger; `HOSTILE_SEED=<seed> HOSTILE_PATH=<path>` replays a reported failure.
 */
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, it, vi } from 'vitest';
import { ConsumerQueueError, createConsumer } from '../../src/consumer/index.js';
import { PermanentError } from '../../src/index.js';
import { never } from '../helpers/hostile.js';
import { SqsModel } from '../helpers/sqsModel.js';
import { type ConsumerScenario, consumerScenario, hostileSqs } from './consumerSqs.js';

const LARGE = Number(process.env.HOSTILE_RUNS) || undefined;
const SEED = process.env.HOSTILE_SEED === undefined ? undefined : Number(process.env.HOSTILE_SEED);
const PATH = process.env.HOSTILE_PATH;
const RUNS = LARGE ?? 40;
const TIME_LIMIT_MS = LARGE === undefined ? 40_000 : 30 * 60_000;
/** Virtual time between two looks at the consumer. */
const STEP_MS = 100;
/** The longest wait between receive retries (queue.ts), and an empty short poll's pause (poller.ts). */
const RETRY_CAP_MS = 10_000;
/** What a timer's order of firing within one step may add to a bound. */
const SLACK_MS = STEP_MS + 50;
const MARK = 'BODY-TEXT';

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('hostile');

beforeAll(async () => {
  // Loaded on real timers: the consumer imports them when it starts.
  await (await import('sqs-partial-batch/sqs')).loadSqsSdk();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs one scenario; answers what broke. */
async function violationsOf(s: ConsumerScenario): Promise<string[]> {
  const violations: string[] = [];
  const sqs = new SqsModel(s.visibilitySeconds);
  const hostile = hostileSqs(sqs, s);
  const specs = new Map<string, ConsumerScenario['messages'][number]>();
  for (const [i, spec] of s.messages.entries()) {
    const body = spec.body === 'text' ? `${MARK}-${i}-card-4111111111111111` : spec.body === 'number' ? 42 : undefined;
    specs.set(sqs.add(spec.body === 'missing' ? {} : { body }), spec);
  }
  const running = new Map<string, number>();
  const succeeded = new Set<string>();
  const dropped = new Set<string>();
  let runningNow = 0;
  const lines: Array<{ level: string; message: string; attributes: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, attributes: Record<string, unknown>) =>
    void lines.push({ level, message, attributes });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  exporter.reset();

  const consumer = createConsumer(
    async (record, { signal }) => {
      const spec = specs.get(record.messageId);
      const now = (running.get(record.messageId) ?? 0) + 1;
      running.set(record.messageId, now);
      if (now > 1) violations.push(`${record.messageId} runs ${now} times at once`);
      if (++runningNow > s.concurrency)
        violations.push(`${runningNow} records run at once (concurrency ${s.concurrency})`);
      try {
        switch (spec?.behaviour) {
          case 'fail':
            throw new Error('failed on purpose');
          case 'permanent':
            throw new PermanentError('never succeeds');
          case 'slow':
            await new Promise((resolve) => setTimeout(resolve, spec.durationMs));
            break;
          case 'hang-until-abort':
            await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
            throw signal.reason;
          case 'hang':
            await never();
        }
        succeeded.add(record.messageId);
      } catch (error) {
        if (error instanceof PermanentError) dropped.add(record.messageId);
        throw error;
      } finally {
        running.set(record.messageId, (running.get(record.messageId) ?? 1) - 1);
        runningNow--;
      }
    },
    {
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/hostile',
      client: sqs,
      concurrency: s.concurrency,
      batchSize: Math.min(s.batchSize, 10),
      ...(s.prefetch === undefined ? {} : { prefetch: s.prefetch }),
      waitTimeSeconds: s.waitTimeSeconds,
      heartbeat: s.heartbeat,
      shutdownTimeoutMs: s.shutdownTimeoutMs,
      sqsCallTimeoutMs: s.sqsCallTimeoutMs,
      logger,
      ...(s.drop ? { onPermanentFailure: 'drop' as const } : {}),
      ...(s.tracer ? { tracer } : {}),
    },
  );

  const startedAt = Date.now();
  const start = settleTime(consumer.start());
  // A receive must go out within this long of a slot being free (or of the last one) while running.
  const receiveBound = s.waitTimeSeconds * 1000 + s.sqsCallTimeoutMs + RETRY_CAP_MS + SLACK_MS;
  const stopBound = Math.max(s.shutdownTimeoutMs, s.waitTimeSeconds * 1000 + s.sqsCallTimeoutMs) + s.sqsCallTimeoutMs;
  let freeSince: number | undefined;
  let stoppingSince: number | undefined;
  const look = (): void => {
    const status = consumer.status();
    const now = Date.now();
    if (status.state === 'stopping' || status.state === 'stopped') stoppingSince ??= now - STEP_MS;
    const mayHold = s.concurrency + (s.prefetch ?? Math.min(s.batchSize, s.concurrency));
    if (status.inFlight > mayHold) violations.push(`${status.inFlight} messages held (at most ${mayHold})`);
    if (status.state !== 'running' || status.inFlight >= s.concurrency) {
      freeSince = undefined;
      return;
    }
    freeSince ??= now;
    const receives = sqs.calls.filter((call) => call.name === 'ReceiveMessageCommand');
    const last = Math.max(freeSince, receives.at(-1)?.at ?? startedAt);
    if (now - last > receiveBound) {
      violations.push(`running with ${s.concurrency - status.inFlight} free slots and no receive for ${now - last} ms`);
      freeSince = now; // once per stall
    }
  };

  for (let t = 0; t < s.runForMs; t += STEP_MS) {
    await vi.advanceTimersByTimeAsync(STEP_MS);
    look();
  }
  const stopCalledAt = Date.now();
  const stop = settleTime(consumer.stop());
  const from = Math.min(stopCalledAt, stoppingSince ?? stopCalledAt);
  await vi.advanceTimersByTimeAsync(0);
  while ((stop.at === undefined || start.at === undefined) && Date.now() - stopCalledAt <= stopBound + SLACK_MS) {
    await vi.advanceTimersByTimeAsync(STEP_MS);
  }
  // stop() from when it is called; start() from when the consumer began to stop (it may stop on its own first).
  if (stop.at === undefined || stop.at - stopCalledAt > stopBound + SLACK_MS) {
    violations.push(`stop() did not settle within ${stopBound} ms`);
  }
  if (start.at === undefined || start.at - from > stopBound + SLACK_MS) {
    violations.push(`start() did not settle within ${stopBound} ms of stopping`);
  }
  if (start.ok === false && !(hostile.fatal && start.error instanceof ConsumerQueueError)) {
    violations.push(`start() rejected without a fatal SQS answer: ${String(start.error)}`);
  }
  if (stop.at !== undefined && consumer.status().state !== 'stopped') {
    violations.push(`stop() settled in state ${consumer.status().state}`);
  }

  for (const call of sqs.calls) {
    if (call.name !== 'DeleteMessageBatchCommand') continue;
    for (const entry of (call.input.Entries ?? []) as Array<{ ReceiptHandle: string }>) {
      const id = entry.ReceiptHandle.split('#')[0] as string;
      const body = specs.get(id)?.body;
      if (body !== 'text') violations.push(`${id}, whose body is ${body}, was asked to be deleted`);
      else if (!succeeded.has(id) && !(s.drop && dropped.has(id))) {
        violations.push(`${id} was asked to be deleted without succeeding or being dropped`);
      }
    }
  }

  // The one deliberate exception (README, Logs): a dropped record is logged once with its record, its only trace.
  const logged = lines.map(({ message, attributes: { record, ...rest } }) =>
    message.startsWith('Dropped a record that can never succeed') ? { message, ...rest } : { message, record, ...rest },
  );
  const output = serialize({ logged, error: start.error, spans: spansOf(exporter) });
  if (output.includes(MARK)) violations.push(`body text in the output: ${excerpt(output)}`);
  return violations;
}

/** When `promise` settled (fake time), and how. */
function settleTime(promise: Promise<unknown>): { at?: number; ok?: boolean; error?: unknown } {
  const state: { at?: number; ok?: boolean; error?: unknown } = {};
  promise.then(
    () => Object.assign(state, { at: Date.now(), ok: true }),
    (error: unknown) => Object.assign(state, { at: Date.now(), ok: false, error }),
  );
  return state;
}

function spansOf(spans: InMemorySpanExporter): unknown[] {
  return spans.getFinishedSpans().map((span) => ({
    name: span.name,
    consumer: span.kind === SpanKind.CONSUMER,
    attributes: span.attributes,
    status: span.status,
    events: span.events,
  }));
}

/** Everything, errors with their name, message, stack and causes, as one string. */
function serialize(value: unknown): string {
  const seen = new Set<unknown>();
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'object' && item !== null) {
      if (seen.has(item)) return '(seen)';
      seen.add(item);
    }
    if (item instanceof Error) {
      return { ...item, name: item.name, message: item.message, stack: item.stack, cause: item.cause };
    }
    return typeof item === 'bigint' ? String(item) : item;
  });
}

function excerpt(output: string): string {
  const at = output.indexOf(MARK);
  return output.slice(Math.max(0, at - 200), at + 60);
}

describe('the consumer against hostile SQS clients (property-based)', () => {
  it(
    'one run at a time per message, bounded start() and stop(), deletes only the done, never stalls, no body text',
    async () => {
      await fc.assert(
        fc.asyncProperty(consumerScenario(), async (s) => {
          vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
          try {
            const violations = await violationsOf(s);
            if (violations.length > 0)
              throw new Error(`The consumer broke its promises:\n- ${violations.join('\n- ')}`);
          } finally {
            vi.useRealTimers();
          }
        }),
        {
          numRuns: RUNS,
          interruptAfterTimeLimit: TIME_LIMIT_MS,
          markInterruptAsFailure: true,
          ...(SEED === undefined ? {} : { seed: SEED }),
          ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }),
        },
      );
    },
    TIME_LIMIT_MS + 20_000,
  );
});
