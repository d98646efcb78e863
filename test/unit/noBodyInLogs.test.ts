/**
 * No message body reaches a log line or an error message the library writes
 * (issue #10, item 5 and "Done when"). A marker is planted in every body —
 * raw, inside an SNS `Message` and an EventBridge `detail`, at the start of
 * text that is not JSON — and every path is run: parsing, envelopes, schemas,
 * idempotency keys and stores, the failure policy, timeouts and
 * `FullBatchFailureError`. Everything logged (all levels, attributes flattened
 * deeply: error messages, stacks, causes, issues), everything printed, every
 * outcome and every thrown error is scanned for the marker. The one place a
 * body may appear is the single log entry of a record dropped by
 * `onPermanentFailure: 'drop'`, its only trace.
 */
import { randomBytes } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import {
  type BatchProcessorOptions,
  type ClaimResult,
  createBatchHandler,
  createBatchProcessor,
  type IdempotencyStore,
  MemoryIdempotencyStore,
  PermanentError,
  type StandardSchemaV1,
} from 'sqs-partial-batch';
import { lambdaContext, sqsEvent } from 'sqs-partial-batch/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { never } from '../helpers/hostile.js';
import { type LogEntry, reachableStrings, recordingLogger } from '../helpers/watch.js';

/**
 * A marker short enough that a parser quoting ten characters of its input
 * quotes it whole, in letters no UUID, hash or path here contains.
 */
function newMarker(): string {
  const letters = 'GHJKLMNPQRSTUVWXYZ';
  return `BM${Array.from(randomBytes(6), (byte) => letters[byte % letters.length]).join('')}`;
}
const MARKER = newMarker();
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

const Order = z.object({
  orderId: z.string().uuid(),
  amountCents: z.number().int(),
  email: z.string().email(),
  kind: z.enum(['new', 'refund']),
});

/** A hand-written schema: its issue message is a fixed string, whatever the input. */
const handWritten: StandardSchemaV1<unknown, { kind: string; orderId?: string }> = {
  '~standard': {
    version: 1,
    vendor: 'hand-written',
    validate(value) {
      const kind = (value as { kind?: unknown }).kind;
      if (kind === 'throws') throw new Error('schema bug');
      if (kind === 'rejects') return Promise.reject(new Error('refinement service down'));
      if (kind === 'async-issues')
        return Promise.resolve({ issues: [{ message: 'Expected an order', path: ['kind'] }] });
      if (kind === 'issues') return { issues: [{ message: 'Expected an order', path: ['kind'] }] };
      return { value: value as { kind: string } };
    },
  },
};

type Options = BatchProcessorOptions<StandardSchemaV1 | undefined, 'sns' | 'eventbridge' | undefined>;
type Work = (record: { body: unknown }) => unknown;

/** Throws a `PermanentError` (its message names no body) for bodies of kind `permanent`, an Error for `fail`. */
const work: Work = (record) => {
  const kind = (record.body as { kind?: unknown } | undefined)?.kind;
  if (kind === 'permanent') throw new PermanentError('unknown sku');
  if (kind === 'fail') throw new Error('payment declined');
};

let printed: string[] = [];
beforeEach(() => {
  printed = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(...reachableStrings(args)));
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Runs the event through a processor and a handler (so that a full failure
 * throws) with fresh options each, and returns what was logged and every
 * other string the library produced: outcomes, thrown errors, console output.
 */
async function everything(
  event: () => SQSEvent,
  options: () => Options,
  context?: () => ReturnType<typeof lambdaContext>,
  run: Work = work,
): Promise<{ entries: LogEntry[]; produced: string[] }> {
  const logger = recordingLogger();
  const { outcomes } = await createBatchProcessor(run, { ...options(), logger })(event(), context?.());
  const answer = await createBatchHandler(run, { ...options(), logger })(event(), context?.()).then(
    (response) => response,
    (error: unknown) => error,
  );
  return { entries: logger.entries, produced: [...reachableStrings([outcomes, answer]), ...printed] };
}

/** The strings that contain the marker, or six characters of it in a row. */
function leaks(strings: readonly string[], marker = MARKER): string[] {
  const pieces = Array.from({ length: marker.length - 5 }, (_, at) => marker.slice(at, at + 6));
  return strings.filter((text) => pieces.some((piece) => text.includes(piece)));
}

const json = (value: unknown) => JSON.stringify(value);
const sns = (message: string) => json({ Type: 'Notification', MessageId: 'n-1', Message: message });
const order = { orderId: MARKER, amountCents: MARKER, email: MARKER, kind: MARKER };

/** A memory store with `busy` held by another invocation. */
async function busyStore(): Promise<MemoryIdempotencyStore> {
  const store = new MemoryIdempotencyStore();
  const now = Date.now();
  await store.claim([{ key: 'o-busy', token: 'other', inProgressUntil: now + 60_000, payloadHash: undefined }], now);
  return store;
}

/** A key function that reads a marker-free field, or fails reading a missing one. */
const orderKey = (record: { body: unknown }) => {
  const body = record.body as { kind?: string; orderId?: string; missing?: { id: string } };
  return body.kind === 'bad-key' ? (body.missing as { id: string }).id : (body.orderId as string);
};

const failingStore: IdempotencyStore = {
  claim: async (claims) =>
    claims.map(
      (_claim, i): ClaimResult =>
        i === 0 ? { status: 'error', error: new Error('throttled') } : { status: 'claimed' },
    ),
  complete: () => Promise.reject(new Error('connection reset')),
  release: () => Promise.reject(new Error('connection reset')),
};

describe('no message body in logs or errors', () => {
  const scenarios: Array<[string, () => SQSEvent, () => Options]> = [
    [
      'JSON that does not parse: the marker at the start, in the middle, at the end',
      () => sqsEvent([`${MARKER} not json`, `{"note":"${MARKER}", oops}`, `{"note":"${MARKER}"`, `"${MARKER}`]),
      () => ({ schema: Order }),
    ],
    [
      'an SNS envelope with a schema: not JSON, no Message, a Message that is not JSON, a Message the schema rejects',
      () =>
        sqsEvent([
          MARKER,
          json({ Type: 'Notification', Subject: MARKER }),
          sns(`${MARKER} not json`),
          sns(json(order)),
        ]),
      () => ({ schema: Order, envelope: 'sns' }),
    ],
    [
      'an SNS envelope without a schema',
      () => sqsEvent([`${MARKER} not json`, json({ Type: 'Notification', Subject: MARKER, Message: 7 })]),
      () => ({ envelope: 'sns' }),
    ],
    [
      'an EventBridge envelope with a schema: not JSON, no detail, a detail the schema rejects',
      () => sqsEvent([`${MARKER} not json`, json({ source: MARKER }), json({ source: 'orders', detail: order })]),
      () => ({ schema: Order, envelope: 'eventbridge' }),
    ],
    [
      'an EventBridge envelope without a schema',
      () => sqsEvent([`{"detail": "${MARKER}"`, json({ source: MARKER, 'detail-type': MARKER })]),
      () => ({ envelope: 'eventbridge' }),
    ],
    [
      'zod issues on fields that hold the marker',
      () => sqsEvent([order, { ...order, amountCents: 1.5 }, { note: MARKER }, [MARKER], MARKER.length]),
      () => ({ schema: Order }),
    ],
    [
      'a hand-written schema: issues (sync and async), a throw, a rejection',
      () =>
        sqsEvent(
          ['issues', 'async-issues', 'throws', 'rejects'].map((kind) => ({ kind, note: MARKER, [MARKER]: MARKER })),
        ),
      () => ({ schema: handWritten }),
    ],
    [
      'idempotency keys: a key function that fails or returns no key, a payload mismatch, a failed leader',
      () =>
        sqsEvent([
          { kind: 'new', orderId: 'o-1', note: MARKER },
          { kind: 'fail', orderId: 'o-1', note: `${MARKER}-other` },
          { kind: 'bad-key', note: MARKER },
          { kind: 'new', note: MARKER },
          { kind: 'fail', orderId: 'o-2', note: MARKER },
          { kind: 'fail', orderId: 'o-2', note: MARKER },
        ]),
      () => ({
        schema: handWritten,
        idempotency: { store: new MemoryIdempotencyStore(), key: orderKey, validatePayload: true },
      }),
    ],
    [
      'a store that fails to claim, complete and release',
      () =>
        sqsEvent([
          { kind: 'new', orderId: 'o-1', note: MARKER },
          { kind: 'new', orderId: 'o-2', note: MARKER },
          { kind: 'fail', orderId: 'o-3', note: MARKER },
        ]),
      () => ({ schema: handWritten, idempotency: { store: failingStore, key: orderKey, validatePayload: true } }),
    ],
    [
      'dead-letter sends that fail (rejected, listed as Failed) and backoff calls that fail',
      () => sqsEvent([{ kind: 'permanent', note: MARKER }, { kind: 'fail', note: MARKER }, `${MARKER} not json`]),
      () => ({
        schema: handWritten,
        onPermanentFailure: 'dead-letter',
        deadLetter: {
          client: {
            send: async (command: { input: { Entries?: Array<{ Id: string }> } }) => ({
              Successful: [],
              Failed: (command.input.Entries ?? []).map(({ Id }) => ({
                Id,
                Code: 'InternalError',
                Message: 'internal',
              })),
            }),
          },
          queueUrl: `${QUEUE_URL}-dlq`,
        },
        backoff: { client: { send: () => Promise.reject(new Error('Service unavailable')) } },
      }),
    ],
    [
      'a dead-letter client that rejects',
      () => sqsEvent([{ kind: 'permanent', note: MARKER }, `${MARKER} not json`]),
      () => ({
        schema: handWritten,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: { send: () => Promise.reject(new Error('Service unavailable')) }, queueUrl: QUEUE_URL },
      }),
    ],
  ];

  it.each(scenarios)('%s', async (_label, event, options) => {
    const { entries, produced } = await everything(event, options);

    expect(entries.length).toBeGreaterThan(0);
    expect(leaks(entries.flatMap((entry) => entry.strings))).toEqual([]);
    expect(leaks(produced)).toEqual([]);
  });

  it('a key held by another invocation: the in-progress error quotes no body', async () => {
    const store = await busyStore();
    const { entries, produced } = await everything(
      () => sqsEvent([{ kind: 'new', orderId: 'o-busy', note: MARKER }]),
      () => ({ schema: handWritten, idempotency: { store, key: orderKey } }),
    );

    expect(entries.length).toBeGreaterThan(0);
    expect(leaks([...entries.flatMap((entry) => entry.strings), ...produced])).toEqual([]);
  });

  it('records still running when time runs out are reported without their bodies', async () => {
    const { entries, produced } = await everything(
      () =>
        sqsEvent([
          { kind: 'hang', note: MARKER },
          { kind: 'later', note: MARKER },
        ]),
      () => ({ schema: handWritten, timeoutMarginMs: 100 }),
      () => lambdaContext({ remainingMs: 250 }),
      (record) => ((record.body as { kind: string }).kind === 'hang' ? never() : undefined),
    );

    expect(entries.length).toBeGreaterThan(0);
    expect(leaks([...entries.flatMap((entry) => entry.strings), ...produced])).toEqual([]);
  });

  it('idempotency keys built from a body are never quoted, so a long key does not carry the body into messages', async () => {
    const longKey = `order-${'x'.repeat(1000)}-${MARKER}`;
    const store = new MemoryIdempotencyStore();
    const now = Date.now();
    await store.claim(
      [{ key: `${longKey}-busy`, token: 'other', inProgressUntil: now + 60_000, payloadHash: undefined }],
      now,
    );
    const keyed = (record: { body: unknown }) => `${longKey}${(record.body as { suffix: string }).suffix}`;
    const failingForKeys: IdempotencyStore = {
      ...failingStore,
      claim: async (claims) => claims.map((): ClaimResult => ({ status: 'error', error: new Error('throttled') })),
    };
    const logger = recordingLogger();
    const events = () =>
      sqsEvent([
        { kind: 'new', suffix: '', n: 1 },
        { kind: 'fail', suffix: '-2', n: 1 },
        { kind: 'new', suffix: '', n: 2 }, // same key, other payload
        { kind: 'new', suffix: '-2', n: 1 }, // follows a record that failed
        { kind: 'new', suffix: '-busy', n: 1 },
      ]);

    const first = await createBatchProcessor(work, {
      schema: handWritten,
      logger,
      idempotency: { store, key: keyed, validatePayload: true },
    })(events());
    const second = await createBatchProcessor(work, {
      schema: handWritten,
      logger,
      idempotency: { store: failingForKeys, key: keyed },
    })(events());

    const errors = [...first.outcomes, ...second.outcomes].map((outcome) => (outcome as { error?: unknown }).error);
    expect(errors.filter((error) => error !== undefined).length).toBeGreaterThan(3);
    expect(leaks([...reachableStrings(errors), ...logger.entries.flatMap((entry) => entry.strings)])).toEqual([]);
  });

  it("a record dropped by onPermanentFailure: 'drop' is logged once, with its body, and nowhere else", async () => {
    const markers = [newMarker(), newMarker(), newMarker(), newMarker()];
    const markerOf = (n: number) => markers[n] as string;
    const event = sqsEvent([
      `${markerOf(0)} not json`,
      { kind: 'issues', note: markerOf(1) },
      { kind: 'permanent', note: markerOf(2) },
      `{"kind":"new","note":"${markerOf(3)}"`,
      { kind: 'new', note: MARKER },
    ]);
    const ids = event.Records.map((record) => record.messageId);
    const logger = recordingLogger();
    const handler = createBatchHandler(work, { schema: handWritten, onPermanentFailure: 'drop', logger });
    const processBatch = createBatchProcessor(work, { schema: handWritten, onPermanentFailure: 'drop' });

    const response = await handler(event);
    const { outcomes } = await processBatch(event);

    expect(response.batchItemFailures).toEqual([]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'dropped',
      'dropped',
      'dropped',
      'dropped',
      'succeeded',
    ]);
    for (let n = 0; n < 4; n++) {
      const naming = logger.entries.filter((entry) => entry.strings.some((text) => text.includes(ids[n] as string)));
      expect(naming, `entries naming dropped record ${n}`).toHaveLength(1);
      const carrying = logger.entries.filter((entry) => entry.strings.some((text) => text.includes(markerOf(n))));
      expect(carrying, `entries carrying the body of dropped record ${n}`).toEqual(naming);
      const copies = (naming[0]?.strings ?? []).filter((text) => text.includes(markerOf(n)));
      expect(copies, `copies of the body of dropped record ${n} in its entry`).toHaveLength(1);
    }
    expect(leaks(logger.entries.flatMap((entry) => entry.strings)).filter((text) => text.includes('-kept'))).toEqual(
      [],
    );
    expect(leaks([...reachableStrings(outcomes), ...printed])).toEqual([]);
  });
});

describe('the marker is found where it is', () => {
  it('the scan sees a body that a logger is handed', async () => {
    const logger = recordingLogger();
    const handler = createBatchHandler(
      (record) => {
        logger.info('user code logged the body', { body: record.body });
        return never();
      },
      { timeoutMarginMs: 50, throwOnFullBatchFailure: false },
    );

    await handler(sqsEvent([`${MARKER} user data`]), lambdaContext({ remainingMs: 120 }));

    expect(leaks(logger.entries.flatMap((entry) => entry.strings))).toHaveLength(1);
  });
});
