/**
 * Regression tests for issue #10 (hardening), one per item about the engine,
 * through the public API only; then the failures the hostile property suite
 * (`test/property/hostile.test.ts`) found beyond the issue's list.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import {
  type ClaimResult,
  createBatchHandler,
  createBatchProcessor,
  DEFAULTS,
  FullBatchFailureError,
  IdempotencyPayloadMismatchError,
  type IdempotencyStore,
  IdempotencyStoreError,
  MemoryIdempotencyStore,
  PermanentError,
  RecordValidationError,
  type StandardSchemaV1,
} from 'sqs-partial-batch';
import { lambdaContext, sqsEvent } from 'sqs-partial-batch/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deferred, failedIds, flush } from '../helpers/events.js';
import {
  errorWithThrowingMessage,
  errorWithThrowingName,
  never,
  revokedProxy,
  thenGetterThrows,
} from '../helpers/hostile.js';
import { reachableStrings, recordingLogger, settleTicks, sleep, watchProcess } from '../helpers/watch.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

/** What a store holds for `key` now: `claimed` means nothing live (absent, released or expired). */
async function probe(store: MemoryIdempotencyStore, key: string): Promise<ClaimResult['status']> {
  const now = Date.now();
  const [answer] = await store.claim(
    [{ key, token: 'probe', inProgressUntil: now + 1000, payloadHash: undefined }],
    now,
  );
  await store.release([{ key, token: 'probe' }]);
  return (answer as ClaimResult).status;
}

/** A store over a memory store, with some methods replaced. */
function over(inner: MemoryIdempotencyStore, methods: Partial<IdempotencyStore>): IdempotencyStore {
  return {
    claim: (claims, now) => inner.claim(claims, now),
    complete: (completions, now) => inner.complete(completions, now),
    release: (releases) => inner.release(releases),
    ...methods,
  };
}

/** A Standard Schema that answers with `answer(value)` (sync or async). */
function schemaOf(answer: (value: unknown) => unknown): StandardSchemaV1<unknown, unknown> {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => answer(value) as StandardSchemaV1.Result<unknown>,
    },
  };
}

/** An SQS client whose every `send` answers `reply(input)`. */
function sqsClient(reply: (input: { Entries?: Array<{ Id: string }> }) => unknown) {
  return { send: async (command: { input: { Entries?: Array<{ Id: string }> } }) => reply(command.input) };
}

/** Runs the handler and says how much time the context had left when it answered (or `undefined` by `capMs`). */
async function answerWithin(
  answer: Promise<SQSBatchResponse>,
  context: { getRemainingTimeInMillis(): number },
  capMs: number,
): Promise<{ response: SQSBatchResponse; leftMs: number } | undefined> {
  const answered = answer.then((response) => ({ response, leftMs: context.getRemainingTimeInMillis() }));
  return Promise.race([answered, sleep(capMs).then(() => undefined)]);
}

/** Runs records `good` and `bad` with a store whose claim answer for `bad` is replaced by `answer`. */
async function claimAnswering(answer: unknown) {
  const inner = new MemoryIdempotencyStore();
  const store = over(inner, {
    claim: async (claims, now) => {
      const answers = await inner.claim(claims, now);
      return [answers[0] as ClaimResult, answer as ClaimResult];
    },
  });
  const ran: string[] = [];
  const processBatch = createBatchProcessor((record) => void ran.push(record.body), {
    idempotency: { store, key: (record) => record.body },
  });
  const { outcomes } = await processBatch(sqsEvent(['good', 'bad']));
  return { inner, outcomes, ran };
}

/** Runs bodies `{"ok":true}` and `{"ok":false}` with a schema that answers `result` for the second. */
async function validatingWith(result: unknown, mode: 'sync' | 'async') {
  const ran: unknown[] = [];
  const processBatch = createBatchProcessor((record) => void ran.push(record.body), {
    schema: schemaOf((value) => {
      const answer = (value as { ok?: boolean }).ok ? { value } : result;
      return mode === 'sync' ? answer : Promise.resolve(answer);
    }),
  });
  const { outcomes } = await processBatch(sqsEvent(['{"ok":true}', '{"ok":false}']));
  return { outcomes, ran };
}

describe('issue #10: hardening', () => {
  it('1. a stalled complete or release, or a stalled failure-policy call, still answers before the deadline margin', async () => {
    const stalled = (inner: MemoryIdempotencyStore) => over(inner, { complete: () => never(), release: () => never() });
    const work = (record: { body: string }) => {
      if (record.body === 'fail') throw new Error('declined');
    };
    const withStore = createBatchHandler(work, { idempotency: { store: stalled(new MemoryIdempotencyStore()) } });
    const withPolicy = createBatchHandler(work, {
      idempotency: { store: stalled(new MemoryIdempotencyStore()) },
      backoff: { client: { send: () => never() }, queueUrl: QUEUE_URL },
    });
    const events = [sqsEvent(['ok', 'fail']), sqsEvent(['ok', 'fail'])];
    const contexts = [lambdaContext({ remainingMs: 2000 }), lambdaContext({ remainingMs: 2000 })];

    const answers = await Promise.all([
      answerWithin(withStore(events[0]!, contexts[0]), contexts[0]!, 2600),
      answerWithin(withPolicy(events[1]!, contexts[1]), contexts[1]!, 2600),
    ]);

    answers.forEach((answer, i) => {
      expect(answer, 'answered before the deadline').toBeDefined();
      // Every call after the run shares one budget that ends at the margin (1,000 ms by default).
      expect(answer?.leftMs).toBeGreaterThanOrEqual(DEFAULTS.timeoutMarginMs - 150);
      expect(failedIds(answer?.response as SQSBatchResponse)).toEqual([events[i]?.Records[1]?.messageId]);
    });
  });

  it('2. one deeply nested body with validatePayload fails only its own record', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const envelope of [undefined, 'eventbridge'] as const) {
      const ran: string[] = [];
      const processBatch = createBatchProcessor((record) => void ran.push(record.raw.messageId), {
        schema: z.object({ d: z.any() }),
        envelope,
        idempotency: { store: new MemoryIdempotencyStore(), validatePayload: true },
      });
      const wrap = (payload: string) => (envelope === 'eventbridge' ? `{"source":"s","detail":${payload}}` : payload);
      const event = sqsEvent([wrap('{"d":1}'), wrap(`{"d":${deep}}`), wrap('{"d":2}')]);
      const ids = event.Records.map((r) => r.messageId);

      const { outcomes } = await processBatch(event);

      expect(outcomes.map((o) => o.status)).toEqual(['succeeded', expect.any(String), 'succeeded']);
      expect(ran).toEqual(expect.arrayContaining([ids[0], ids[2]]));
    }
  });

  it('2. payloads that differ only in a "__proto__" member do not hash alike', async () => {
    const ran: string[] = [];
    const processBatch = createBatchProcessor((record) => void ran.push(record.raw.messageId), {
      schema: schemaOf((value) => ({ value })),
      idempotency: { store: new MemoryIdempotencyStore(), key: () => 'order-1', validatePayload: true },
    });
    const event = sqsEvent(['{"id":1,"__proto__":{"amountCents":100}}', '{"id":1,"__proto__":{"amountCents":999}}']);

    const { outcomes } = await processBatch(event);

    expect(outcomes[0]?.status).toBe('succeeded');
    expect(outcomes[1]).toMatchObject({ status: 'failed', error: expect.any(IdempotencyPayloadMismatchError) });
  });

  it('4. malformed claim answers fail closed with IdempotencyStoreError, and the keys this invocation claimed are released', async () => {
    const malformed: unknown[] = [
      null,
      undefined,
      { status: 'in-progress' },
      { status: 'in-progress', inProgressUntil: Number.NaN, payloadHash: undefined },
      { status: 'in-progress', inProgressUntil: 9e15, payloadHash: undefined },
      { status: 'in-progress', inProgressUntil: 'soon', payloadHash: undefined },
    ];
    for (const answer of malformed) {
      const { inner, outcomes, ran } = await claimAnswering(answer);

      expect(outcomes[1]).toMatchObject({ status: 'failed', error: expect.any(IdempotencyStoreError) });
      expect(ran).not.toContain('bad');
      // The key answered `claimed` either ran and was completed, or failed closed and was released.
      if (outcomes[0]?.status === 'succeeded') {
        expect(ran).toEqual(['good']);
        expect(await probe(inner, 'good')).toBe('completed');
      } else {
        expect(outcomes[0]).toMatchObject({ status: 'failed', error: expect.any(IdempotencyStoreError) });
        expect(await probe(inner, 'good')).toBe('claimed');
      }
    }
  });

  it('5. a JSON error says where the JSON broke and quotes no part of the body', async () => {
    const cases = [
      { body: 'Jane Q Public-7f3a not json', envelope: undefined },
      { body: '{"name":"Jane Q Public-7f3a", oops}', envelope: undefined },
      {
        body: JSON.stringify({ Type: 'Notification', Message: 'Jane Q Public-7f3a not json' }),
        envelope: 'sns' as const,
      },
    ];
    for (const { body, envelope } of cases) {
      const logger = recordingLogger();
      const options = { schema: z.object({ name: z.string() }), envelope, logger };
      const event = sqsEvent([body]);

      const { outcomes } = await createBatchProcessor(() => {}, options)(event);
      const thrown = await createBatchHandler(() => {}, options)(event).catch((error: unknown) => error);

      const error = (outcomes[0] as { error?: unknown }).error;
      expect(error).toBeInstanceOf(RecordValidationError);
      expect((error as RecordValidationError).stage).toBe('json');
      expect((error as RecordValidationError).message).toMatch(/\b(position|offset|character|column)\b\D{0,20}\d+/i);
      expect(thrown).toBeInstanceOf(FullBatchFailureError);
      const written = [
        ...reachableStrings(error),
        ...reachableStrings(thrown),
        ...logger.entries.flatMap((e) => e.strings),
      ];
      for (const fragment of ['Jane', 'Public', '7f3a', 'oops']) {
        expect(written.filter((text) => text.includes(fragment))).toEqual([]);
      }
    }
  });

  it('6. malformed schema results fail their record with RecordValidationError (stage schema)', async () => {
    const malformed: unknown[] = [undefined, null, { issues: null }, { issues: [{ message: 'bad', path: [null] }] }];
    for (const result of malformed) {
      for (const mode of ['sync', 'async'] as const) {
        const { outcomes, ran } = await validatingWith(result, mode);

        expect(outcomes[0]?.status).toBe('succeeded');
        expect(outcomes[1]?.status).not.toBe('succeeded');
        const error = (outcomes[1] as { error?: unknown }).error;
        expect(error).toBeInstanceOf(RecordValidationError);
        expect((error as RecordValidationError).stage).toBe('schema');
        expect(ran).toEqual([{ ok: true }]);
      }
    }
  });

  it('7. a synchronous result whose then getter throws fails only its record, and claims are completed or released', async () => {
    for (const concurrency of [1, 2, 3]) {
      for (const hostile of [thenGetterThrows, revokedProxy]) {
        const store = new MemoryIdempotencyStore();
        const handler = createBatchHandler((record) => (record.body === 'bad' ? hostile() : undefined), {
          idempotency: { store, key: (record) => record.body },
          concurrency,
        });
        const event = sqsEvent(['first', 'bad', 'last']);

        const response = await handler(event);

        expect(failedIds(response)).toEqual([event.Records[1]?.messageId]);
        expect(await probe(store, 'first')).toBe('completed');
        expect(await probe(store, 'last')).toBe('completed');
        expect(await probe(store, 'bad')).toBe('claimed');
      }
    }
  });

  it('8. the response uses the ids validated on entry, whatever processRecord does to the record', async () => {
    const work = (record: { body: string; raw: { messageId: string } }) => {
      if (record.body === 'mutate') {
        record.raw.messageId = 'not-in-event';
        throw new Error('failed after renaming');
      }
    };
    const event = sqsEvent(['mutate', 'ok']);
    const id = event.Records[0]?.messageId;

    const response = await createBatchHandler(work)(event);
    const { outcomes } = await createBatchProcessor(work)(sqsEvent(['mutate', 'ok']));

    expect(failedIds(response)).toEqual([id]);
    expect(outcomes[0]?.messageId).not.toBe('not-in-event');
  });

  it('9. a logger whose methods return rejected promises causes no unhandled rejection', async () => {
    const rejecting = () => Promise.reject(new Error('log sink down'));
    const logger = { debug: rejecting, info: rejecting, warn: rejecting, error: rejecting };
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'fail') throw new Error('declined');
      },
      { logger, throwOnFullBatchFailure: false },
    );
    const watch = watchProcess();
    try {
      // A failure (logged at error) and, on FIFO, the records it stops (logged at warn).
      await handler(sqsEvent(['ok', 'fail', 'stopped'], { fifo: true }));
      await handler(sqsEvent(['fail', 'not json']));
      await settleTicks(3);
    } finally {
      watch.stop();
    }
    expect(watch.escaped).toEqual([]);
  });

  it('10. FullBatchFailureError survives an error that cannot be described', async () => {
    for (const make of [errorWithThrowingMessage, errorWithThrowingName, revokedProxy]) {
      const handler = createBatchHandler(() => {
        throw make();
      });

      const thrown = await handler(sqsEvent(['a', 'b'])).catch((error: unknown) => error);

      expect(thrown).toBeInstanceOf(FullBatchFailureError);
      expect((thrown as FullBatchFailureError).message).toMatch(/^All 2 records of the batch failed/);
    }
  });

  it("11. a schema that throws or rejects is an ordinary failure, not dropped by onPermanentFailure: 'drop'", async () => {
    const schema = schemaOf((value) => {
      const { kind } = value as { kind: string };
      if (kind === 'throws') throw new Error('schema bug');
      if (kind === 'rejects') return Promise.reject(new Error('refinement service down'));
      if (kind === 'invalid') return { issues: [{ message: 'Expected a valid order', path: ['kind'] }] };
      return { value };
    });
    const handler = createBatchHandler(() => {}, {
      schema,
      onPermanentFailure: 'drop',
      throwOnFullBatchFailure: false,
    });
    const event = sqsEvent([{ kind: 'ok' }, { kind: 'throws' }, { kind: 'rejects' }, { kind: 'invalid' }]);
    const ids = event.Records.map((r) => r.messageId);

    const response = await handler(event);

    // Only returned issues make a body invalid (and so droppable); a broken schema is retried.
    expect(failedIds(response)).toEqual([ids[1], ids[2]]);
  });

  it('12. a dead-letter send counts only for entries SQS lists as Successful', async () => {
    const replies: Array<[string, (input: { Entries?: Array<{ Id: string }> }) => unknown]> = [
      ['empty lists', () => ({ Successful: [], Failed: [] })],
      ['no lists', () => ({})],
      ['an unknown Successful id', () => ({ Successful: [{ Id: '99', MessageId: 'x' }], Failed: [] })],
      ['a Failed list that is not an array', () => ({ Failed: 'everything' })],
      ['a number', () => 42],
      ['the sent entries as Successful', (input) => ({ Successful: input.Entries, Failed: [] })],
    ];
    for (const [label, reply] of replies) {
      const handler = createBatchHandler(
        () => {
          throw new PermanentError('unknown sku');
        },
        {
          onPermanentFailure: 'dead-letter',
          deadLetter: { client: sqsClient(reply), queueUrl: `${QUEUE_URL}-dlq` },
          throwOnFullBatchFailure: false,
        },
      );
      const event = sqsEvent(['a']);

      const response = await handler(event);

      const sent = label === 'the sent entries as Successful';
      expect(failedIds(response), label).toEqual(sent ? [] : [event.Records[0]?.messageId]);
    }
  });

  it('13. the memory store never lets two concurrent batches with more keys than maxEntries both run a key', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 4 });
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    const runs = new Map<string, number>();
    const gate = deferred();
    const handler = createBatchHandler(
      async (record) => {
        runs.set(record.body, (runs.get(record.body) ?? 0) + 1);
        await gate.promise;
      },
      {
        idempotency: { store, key: (record) => record.body },
        concurrency: keys.length,
        throwOnFullBatchFailure: false,
      },
    );

    const first = handler(sqsEvent(keys));
    for (let i = 0; i < 20 && runs.size === 0; i++) await flush();
    const second = handler(sqsEvent(keys));
    for (let i = 0; i < 20; i++) await flush();
    gate.resolve();
    await Promise.all([first, second]);

    expect(runs.size).toBeGreaterThan(0);
    expect([...runs].filter(([, count]) => count > 1)).toEqual([]);
  });

  it('14. without a context each invocation gets a signal whose listeners do not pile up', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const handler = createBatchHandler((_record, { signal }) => {
        signal.addEventListener('abort', () => {});
      });
      for (let i = 0; i < 15; i++) await handler(sqsEvent(['a']));
      await settleTicks(2);
    } finally {
      process.off('warning', onWarning);
    }
    const piledUp = warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning');
    expect(piledUp.map((warning) => warning.message)).toEqual([]);
  });
});

describe('found by the hostile property suite, beyond the list of issue #10', () => {
  const twoRecords = () => sqsEvent(['hostile', 'fine']);

  it.each<[string, () => Promise<{ response: SQSBatchResponse; ran: string[] }>]>([
    [
      "processRecord throws one, with onPermanentFailure: 'drop'",
      async () => {
        const ran: string[] = [];
        const handler = createBatchHandler(
          (record) => {
            if (record.body === 'hostile') throw revokedProxy();
            ran.push(record.body);
          },
          { onPermanentFailure: 'drop', throwOnFullBatchFailure: false },
        );
        return { response: await handler(twoRecords()), ran };
      },
    ],
    [
      "processRecord rejects with one, with onPermanentFailure: 'dead-letter'",
      async () => {
        const ran: string[] = [];
        const handler = createBatchHandler(
          async (record) => {
            if (record.body === 'hostile') throw revokedProxy();
            ran.push(record.body);
          },
          {
            onPermanentFailure: 'dead-letter',
            deadLetter: {
              client: sqsClient((input) => ({ Successful: input.Entries, Failed: [] })),
              queueUrl: QUEUE_URL,
            },
            throwOnFullBatchFailure: false,
          },
        );
        return { response: await handler(twoRecords()), ran };
      },
    ],
    [
      'the store answers a claim with { status: "error", error: <one> }',
      async () => {
        const ran: string[] = [];
        const inner = new MemoryIdempotencyStore();
        const store = over(inner, {
          claim: async (claims, now) => {
            const answers = await inner.claim(claims, now);
            return claims.map((claim, i) =>
              claim.key === 'hostile' ? { status: 'error', error: revokedProxy() } : (answers[i] as ClaimResult),
            );
          },
        });
        const handler = createBatchHandler((record) => void ran.push(record.body), {
          idempotency: { store, key: (record) => record.body },
          throwOnFullBatchFailure: false,
        });
        return { response: await handler(twoRecords()), ran };
      },
    ],
    [
      'the store rejects complete with one',
      async () => {
        const ran: string[] = [];
        const store = over(new MemoryIdempotencyStore(), { complete: () => Promise.reject(revokedProxy()) });
        const handler = createBatchHandler(
          (record) => {
            if (record.body === 'hostile') throw new Error('declined');
            ran.push(record.body);
          },
          { idempotency: { store }, throwOnFullBatchFailure: false },
        );
        return { response: await handler(twoRecords()), ran };
      },
    ],
    [
      'the schema throws one',
      async () => {
        const ran: string[] = [];
        const schema = schemaOf((value) => {
          if (value === 'hostile') throw revokedProxy();
          return { value };
        });
        const handler = createBatchHandler((record) => void ran.push(record.body as string), {
          schema,
          throwOnFullBatchFailure: false,
        });
        return { response: await handler(sqsEvent(['"hostile"', '"fine"'])), ran };
      },
    ],
    [
      'the idempotency key function throws one',
      async () => {
        const ran: string[] = [];
        const handler = createBatchHandler((record) => void ran.push(record.body), {
          idempotency: {
            store: new MemoryIdempotencyStore(),
            key: (record) => {
              if (record.body === 'hostile') throw revokedProxy();
              return record.body;
            },
          },
          throwOnFullBatchFailure: false,
        });
        return { response: await handler(twoRecords()), ran };
      },
    ],
  ])('a thrown value that cannot be inspected (a revoked proxy) fails only its record: %s', async (_label, run) => {
    const { response, ran } = await run();

    expect(ran).toEqual(['fine']);
    expect(response.batchItemFailures).toHaveLength(1);
  });

  it('validatePayload hashes any value a schema outputs without failing the batch', async () => {
    const circular: Record<string, unknown> = { id: 1 };
    circular.self = circular;
    const outputs: Array<[string, unknown]> = [
      ['undefined', undefined],
      ['a circular object', circular],
      ['an object whose toJSON throws', { toJSON: () => JSON.parse('not json') }],
      ['a function', () => {}],
      ['a symbol', Symbol('order')],
    ];
    for (const [label, output] of outputs) {
      const ran: unknown[] = [];
      const processBatch = createBatchProcessor((record) => void ran.push(record.raw.body), {
        schema: schemaOf((value) => ({ value: (value as { odd?: boolean }).odd ? output : value })),
        idempotency: { store: new MemoryIdempotencyStore(), validatePayload: true },
      });
      const event = sqsEvent(['{"n":1}', '{"odd":true}', '{"n":2}']);

      const { outcomes } = await processBatch(event);

      expect(
        outcomes.map((o) => o.status),
        label,
      ).toEqual(['succeeded', expect.any(String), 'succeeded']);
    }
  });

  it('a claim answer whose status getter throws fails closed', async () => {
    const hostile = Object.defineProperty({}, 'status', {
      get(): never {
        throw new Error('status getter threw');
      },
    });

    const { outcomes, ran } = await claimAnswering(hostile);

    expect(outcomes[1]).toMatchObject({ status: 'failed', error: expect.any(IdempotencyStoreError) });
    expect(ran).not.toContain('bad');
  });

  it('schema results malformed in other ways than item 6 lists fail only their record', async () => {
    const malformed: Array<[string, unknown]> = [
      ['issues holding null', { issues: [null] }],
      ['issues that are not an array', { issues: 'everything is wrong' }],
      ['a path that is not an array', { issues: [{ message: 'bad', path: 5 }] }],
      [
        'an issues getter that throws',
        Object.defineProperty({}, 'issues', {
          get(): never {
            throw new Error('issues getter threw');
          },
        }),
      ],
    ];
    for (const [label, result] of malformed) {
      for (const mode of ['sync', 'async'] as const) {
        const { outcomes, ran } = await validatingWith(result, mode);

        expect(
          outcomes.map((o) => o.status === 'succeeded'),
          `${label} (${mode})`,
        ).toEqual([true, false]);
        expect(ran).toEqual([{ ok: true }]);
      }
    }
  });

  it('an async malformed schema result on records started all at once still lets the handler answer', async () => {
    const handler = createBatchHandler(() => {}, {
      schema: schemaOf(async (value) => ((value as { ok?: boolean }).ok ? { value } : undefined)),
      concurrency: 4,
      throwOnFullBatchFailure: false,
    });
    const event = sqsEvent(['{"ok":true}', '{"ok":false}']);
    const context = lambdaContext({ remainingMs: 60_000 });
    const watch = watchProcess();
    let answer: Awaited<ReturnType<typeof answerWithin>>;
    try {
      answer = await answerWithin(handler(event), context, 2000);
      await settleTicks(2);
    } finally {
      watch.stop();
    }

    expect(watch.escaped).toEqual([]);
    expect(answer, 'the handler answered').toBeDefined();
    expect(failedIds(answer?.response as SQSBatchResponse)).toEqual([event.Records[1]?.messageId]);
  });

  it('with a short timeoutMarginMs the failure policy still answers before the deadline', async () => {
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'fail') throw new Error('declined');
        return never(); // holds the run until the margin
      },
      {
        concurrency: 2,
        timeoutMarginMs: 50,
        backoff: { client: { send: () => never() }, queueUrl: QUEUE_URL },
        throwOnFullBatchFailure: false,
      },
    );
    const context = lambdaContext({ remainingMs: 300 });

    const answer = await answerWithin(handler(sqsEvent(['fail', 'hang']), context), context, 1500);

    expect(answer, 'answered').toBeDefined();
    expect(answer?.leftMs).toBeGreaterThan(0);
  });
});
