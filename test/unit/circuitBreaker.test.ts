import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CIRCUIT_BREAKER_DEFAULTS,
  CircuitBreaker,
  type CircuitSnapshot,
  type CircuitStateStore,
} from '../../src/circuit/index.js';
import { createConsumer } from '../../src/consumer/index.js';
import {
  CircuitOpenError,
  createBatchHandler,
  createBatchProcessor,
  InvalidOptionsError,
  PermanentError,
  type RecordOutcome,
} from '../../src/index.js';
import { createFakeSqsClient, createMetricsRecorder, sqsEvent } from '../../src/testing/index.js';
import type { BatchLogger } from '../../src/types.js';

const T0 = Date.UTC(2026, 0, 1);
const ids = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const statuses = (outcomes: readonly RecordOutcome[]) =>
  outcomes.map((o) => (o.status === 'skipped' ? `skipped:${o.reason}` : o.status));

/** A logger that keeps the lines the breaker writes. */
function lines() {
  const logged: Array<{ level: string; message: string; attributes: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, attributes: Record<string, unknown> = {}) =>
      logged.push({ level, message, attributes });
  const logger: BatchLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, logged, circuit: () => logged.filter((l) => l.message.startsWith('Circuit breaker')) };
}

/** A downstream the test switches off and on; counts calls. */
function downstream() {
  const state = { up: true, calls: 0 };
  const call = async (record: { body: string }) => {
    state.calls++;
    if (record.body === 'permanent') throw new PermanentError('never');
    if (!state.up) throw new Error('down');
  };
  return { state, call };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CircuitBreaker options', () => {
  it.each<[string, unknown, string]>([
    ['an unknown key', { failureTreshold: 3 }, 'Unknown option `failureTreshold` (did you mean `failureThreshold`?)'],
    [
      'failureThreshold 0',
      { failureThreshold: 0 },
      'Expected `failureThreshold` to be an integer from 1 to 1000000, got `0` (number)',
    ],
    ['failureRate 0', { failureRate: 0 }, 'Expected `failureRate` to be a number above 0 to 1, got `0` (number)'],
    ['openSeconds past 12 hours', { openSeconds: 50_000 }, 'Expected `openSeconds` to be a number from 1 to 43200'],
    [
      'maxOpenSeconds below openSeconds',
      { openSeconds: 60, maxOpenSeconds: 30 },
      'Expected `maxOpenSeconds` (30) to be at least `openSeconds` (60)',
    ],
    ['whenOpen', { whenOpen: 'throw' }, "Expected `whenOpen` to be `'error'` or `'report'`, got `\"throw\"` (string)"],
    [
      'a store without write',
      { store: { read() {} } },
      'Expected `store` to be a circuit state store (with `read` and `write`)',
    ],
    ['an empty name', { name: '' }, 'Expected `name` to be a string of 1 to 256 characters'],
  ])('refuses %s', (_title, options, message) => {
    expect(() => new CircuitBreaker(options as never)).toThrow(InvalidOptionsError);
    expect(() => new CircuitBreaker(options as never)).toThrow(message);
  });

  it('has documented defaults, and refuses settings the host does not take', () => {
    expect(CIRCUIT_BREAKER_DEFAULTS).toMatchObject({
      failureThreshold: 5,
      openSeconds: 120,
      maxOpenSeconds: 900,
      whenOpen: 'error',
    });
    expect(() =>
      createBatchProcessor(() => {}, { circuitBreaker: new CircuitBreaker({ whenOpen: 'report' }) }),
    ).toThrow('`circuitBreaker` has `whenOpen`, which is of createBatchHandler only');
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
    const client = createFakeSqsClient();
    expect(() => createConsumer(() => {}, { queueUrl, circuitBreaker: new CircuitBreaker({ client }) })).toThrow(
      '`circuitBreaker` has `client`, which is not taken by the consumer',
    );
    expect(() => createBatchHandler(() => {}, { circuitBreaker: { failureThreshold: 3 } as never })).toThrow(
      'Expected `circuitBreaker` to be a CircuitBreaker (sqs-partial-batch/circuit-breaker), got an object',
    );
  });
});

describe('the circuit in Lambda', () => {
  it('opens after failureThreshold failures in a row: the rest of the batch and the next batches do not run', async () => {
    const { state, call } = downstream();
    const { logger, circuit } = lines();
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    const processBatch = createBatchProcessor(call, { logger, circuitBreaker: breaker });
    state.up = false;

    const first = await processBatch(sqsEvent(ids(5)));
    expect(statuses(first.outcomes)).toEqual([
      'failed',
      'failed',
      'failed',
      'skipped:circuit-open',
      'skipped:circuit-open',
    ]);
    const second = await processBatch(sqsEvent(ids(4, 'n')));
    expect(statuses(second.outcomes)).toEqual(Array(4).fill('skipped:circuit-open'));
    expect(second.response.batchItemFailures).toHaveLength(4);
    expect(state.calls).toBe(3);
    expect(breaker.state()).toBe('open');
    // One line when it opened; none per record not run.
    expect(circuit()).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'Circuit breaker opened: records do not run until it may close',
      }),
    ]);
    expect(circuit()[0]?.attributes).toMatchObject({
      reason: '3 failures in a row',
      until: new Date(T0 + 120_000).toISOString(),
    });
  });

  it('the handler throws CircuitOpenError when no record ran (whenOpen: error), or reports them all (report)', async () => {
    const failing = async () => {
      throw new Error('down');
    };
    const erroring = createBatchHandler(failing, {
      logger: false,
      circuitBreaker: new CircuitBreaker({ failureThreshold: 1 }),
    });
    await expect(erroring(sqsEvent(['a']))).rejects.toMatchObject({ code: 'FULL_BATCH_FAILURE' });
    const error = await erroring(sqsEvent(['b', 'c'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterSeconds: 120 });

    const reporting = createBatchHandler(failing, {
      logger: false,
      circuitBreaker: new CircuitBreaker({ failureThreshold: 1, whenOpen: 'report' }),
    });
    await expect(reporting(sqsEvent(['a']))).rejects.toMatchObject({ code: 'FULL_BATCH_FAILURE' });
    const event = sqsEvent(['b', 'c']);
    expect(await reporting(event)).toEqual({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    });
  });

  it('opens on a failure rate over minimumRecords within the window, and forgets failures older than the window', async () => {
    let n = 0;
    const processBatch = createBatchProcessor(
      async () => {
        if (n++ % 2 === 0) throw new Error('every other call fails');
      },
      {
        logger: false,
        circuitBreaker: new CircuitBreaker({ failureRate: 0.5, minimumRecords: 10, windowSeconds: 60 }),
      },
    );
    expect(statuses((await processBatch(sqsEvent(ids(8)))).outcomes)).not.toContain('skipped:circuit-open');
    vi.setSystemTime(T0 + 61_000);
    expect(statuses((await processBatch(sqsEvent(ids(8)))).outcomes)).not.toContain('skipped:circuit-open');
    const third = await processBatch(sqsEvent(ids(8)));
    // The eleventh record of the window is its sixth failure: it opens there.
    expect(statuses(third.outcomes).slice(0, 4)).toEqual(['failed', 'succeeded', 'failed', 'skipped:circuit-open']);
  });

  it('never counts invalid bodies or PermanentErrors; countsAs decides for the rest, and a throwing one counts nothing', async () => {
    const permanent = createBatchProcessor(
      async () => {
        throw new PermanentError('bad order');
      },
      { logger: false, circuitBreaker: new CircuitBreaker({ failureThreshold: 1 }) },
    );
    expect(statuses((await permanent(sqsEvent(ids(3)))).outcomes)).toEqual(['failed', 'failed', 'failed']);
    const picky = createBatchProcessor(
      async (record) => {
        throw new Error(record.body);
      },
      {
        logger: false,
        circuitBreaker: new CircuitBreaker({
          failureThreshold: 1,
          countsAs: (error) => {
            if ((error as Error).message === 'boom') throw new Error('predicate broke');
            return (error as Error).message === '503';
          },
        }),
      },
    );
    expect(statuses((await picky(sqsEvent(['400', 'boom', '503', 'x']))).outcomes)).toEqual([
      'failed',
      'failed',
      'failed',
      'skipped:circuit-open',
    ]);
  });

  it('half-opens after the open period: a probe that succeeds closes it and the batch runs on; one that fails doubles the period, up to maxOpenSeconds', async () => {
    const { state, call } = downstream();
    const { logger, circuit } = lines();
    const breaker = new CircuitBreaker({ failureThreshold: 1, openSeconds: 100, maxOpenSeconds: 300 });
    const processBatch = createBatchProcessor(call, { logger, concurrency: 4, circuitBreaker: breaker });
    state.up = false;
    await processBatch(sqsEvent(['a']));
    const untilOf = () => circuit().at(-1)?.attributes.until;

    for (const [advance, period] of [
      [100_000, 200_000],
      [200_000, 300_000],
      [300_000, 300_000],
    ] as const) {
      vi.setSystemTime(Date.now() + advance - 1);
      expect(statuses((await processBatch(sqsEvent(['early']))).outcomes)).toEqual(['skipped:circuit-open']);
      vi.setSystemTime(Date.now() + 1);
      expect(breaker.state()).toBe('half-open');
      const probe = await processBatch(sqsEvent(ids(3)));
      expect(statuses(probe.outcomes)).toEqual(['failed', 'skipped:circuit-open', 'skipped:circuit-open']);
      expect(untilOf()).toBe(new Date(Date.now() + period).toISOString());
    }

    state.up = true;
    vi.setSystemTime(Date.now() + 300_000);
    const calls = state.calls;
    const closing = await processBatch(sqsEvent(ids(5)));
    expect(statuses(closing.outcomes)).toEqual(Array(5).fill('succeeded'));
    expect(state.calls - calls).toBe(5);
    expect(breaker.state()).toBe('closed');
    expect(circuit().at(-1)).toMatchObject({ level: 'info', message: 'Circuit breaker closed: records run again' });
    // After closing, the next open period starts again from openSeconds.
    state.up = false;
    await processBatch(sqsEvent(['z']));
    expect(untilOf()).toBe(new Date(Date.now() + 100_000).toISOString());
  });

  it('sets the visibility of records not run to the time the circuit may close, with the SQS client', async () => {
    const client = createFakeSqsClient();
    const processBatch = createBatchProcessor(
      async () => {
        throw new Error('down');
      },
      { logger: false, circuitBreaker: new CircuitBreaker({ failureThreshold: 2, client }) },
    );
    await processBatch(sqsEvent(ids(4)));
    const [change] = client.callsOf('ChangeMessageVisibilityBatch') as Array<{
      Entries: Array<{ VisibilityTimeout: number }>;
    }>;
    // The two failed records and the two not run all return when the circuit may close.
    expect(change?.Entries.map((e) => e.VisibilityTimeout)).toEqual([120, 120, 120, 120]);
  });

  it('writes RecordsShortCircuited and CircuitOpen with the other metrics', async () => {
    const metrics = createMetricsRecorder();
    const processBatch = createBatchProcessor(
      async () => {
        throw new Error('down');
      },
      { logger: false, metrics, circuitBreaker: new CircuitBreaker({ failureThreshold: 2 }) },
    );
    await processBatch(sqsEvent(ids(5)));
    expect(metrics.totals()).toMatchObject({
      RecordsShortCircuited: 3,
      CircuitOpen: 1,
      RecordsNotRun: 3,
      RecordsFailed: 2,
    });
  });
});

describe('a shared circuit whose store breaks fails open', () => {
  const open: CircuitSnapshot = { state: 'open', until: T0 + 60_000, opens: 1, version: 4 };
  it.each<[string, CircuitStateStore['read']]>([
    [
      'throws',
      () => {
        throw new Error('no connection');
      },
    ],
    ['rejects', () => Promise.reject(new Error('no connection'))],
    ['answers garbage', () => Promise.resolve({ state: 'open', until: 'soon' } as never)],
    ['answers an open period of years', () => Promise.resolve({ ...open, until: T0 + 3e10 })],
    ['hangs', () => new Promise(() => {})],
  ])('records run when the store %s, and one warning says so', async (_title, read) => {
    const { logger, logged } = lines();
    let calls = 0;
    const processBatch = createBatchProcessor(() => void calls++, {
      logger,
      circuitBreaker: new CircuitBreaker({ store: { read, write: async () => true }, storeTimeoutMs: 50 }),
    });
    const running = processBatch(sqsEvent(ids(3)));
    await vi.advanceTimersByTimeAsync(60);
    expect(statuses((await running).outcomes)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const again = processBatch(sqsEvent(ids(3)));
    await vi.advanceTimersByTimeAsync(60);
    await again;
    expect(calls).toBe(6);
    expect(logged.filter((l) => l.message.startsWith('The circuit state store failed'))).toHaveLength(1);
  });

  it('records do not run when a working store says the circuit is open', async () => {
    let calls = 0;
    const processBatch = createBatchProcessor(() => void calls++, {
      logger: false,
      circuitBreaker: new CircuitBreaker({ store: { read: async () => open, write: async () => true } }),
    });
    expect(statuses((await processBatch(sqsEvent(ids(2)))).outcomes)).toEqual(Array(2).fill('skipped:circuit-open'));
    expect(calls).toBe(0);
  });
});

describe('the circuit in the consumer', () => {
  it('receives nothing more while it is open, releases what it received with the delay, and shows its state', async () => {
    vi.useRealTimers();
    const sqs = createFakeSqsClient({ visibilityTimeoutSeconds: 30 });
    for (let i = 0; i < 10; i++) sqs.enqueue('orders', `m-${i}`);
    for (let i = 0; i < 10; i++) sqs.enqueue('orders', `later-${i}`);
    let calls = 0;
    // Another instance opened the shared circuit a minute ago.
    const store: CircuitStateStore = {
      read: async () => ({ state: 'open', until: Date.now() + 60_000, opens: 1, version: 1 }),
      write: async () => true,
    };
    const consumer = createConsumer(
      () => {
        calls++;
      },
      {
        client: sqs,
        queueUrl: sqs.queueUrl('orders'),
        waitTimeSeconds: 0,
        // No receive ahead: one receive goes out before the circuit is known to be open, and this counts them.
        prefetch: 0,
        logger: false,
        circuitBreaker: new CircuitBreaker({ store }),
      },
    );
    expect(consumer.status().circuit).toBe('closed');
    const running = consumer.start();
    while (consumer.status().released < 10) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(consumer.status().circuit).toBe('open');
    await consumer.stop();
    await running;

    expect(calls).toBe(0);
    // One receive brought the batch that found the circuit open; none went out after it.
    expect(sqs.callsOf('ReceiveMessage')).toHaveLength(1);
    const released = sqs
      .callsOf('ChangeMessageVisibilityBatch')
      .flatMap((call) => (call as { Entries: Array<{ VisibilityTimeout: number }> }).Entries)
      .map((entry) => entry.VisibilityTimeout);
    expect(released).toHaveLength(10);
    expect(released.every((seconds) => seconds > 55 && seconds <= 60)).toBe(true);
  });
});
