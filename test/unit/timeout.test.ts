import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createBatchHandler,
  createBatchProcessor,
  DEFAULTS,
  FullBatchFailureError,
  InvocationTimeoutError,
} from '../../src/index.js';
import { deferred, failedIds, lambdaContext, sqsEvent } from '../helpers/events.js';

const never = () => new Promise<never>(() => {});

describe('timeout awareness', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('documents a 1000 ms default margin', () => {
    expect(DEFAULTS.timeoutMarginMs).toBe(1000);
  });

  it.each([1, 3])(
    'returns in time when a record hangs: in-flight records fail, unstarted ones are skipped (concurrency %i)',
    async (concurrency) => {
      const event = sqsEvent(['ok', 'hang', 'later-1', 'later-2', 'later-3']);
      const signals: AbortSignal[] = [];
      const processBatch = createBatchProcessor(
        (record, { signal }) => {
          signals.push(signal);
          return record.body === 'hang' ? never() : undefined;
        },
        { concurrency },
      );

      const result = processBatch(event, lambdaContext({ remainingMs: 5000 }));
      await vi.advanceTimersByTimeAsync(3999);
      let settled = false;
      void result.then(() => {
        settled = true;
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const { response, outcomes } = await result;

      const ids = event.Records.map((r) => r.messageId);
      // sequential: nothing after the hang starts; concurrent: the others run beside it
      expect(failedIds(response)).toEqual(concurrency === 1 ? ids.slice(1) : [ids[1]]);
      expect(outcomes[0]?.status).toBe('succeeded');
      expect(outcomes[1]).toMatchObject({ status: 'failed', error: expect.any(InvocationTimeoutError) });
      expect(signals.every((signal) => signal.aborted)).toBe(true);
      expect(signals[0]?.reason).toBeInstanceOf(InvocationTimeoutError);
      expect((signals[0]?.reason as InvocationTimeoutError | undefined)?.code).toBe('INVOCATION_TIMEOUT');
      expect(outcomes.slice(2).map((o) => o.status)).toEqual(
        Array(3).fill(concurrency === 1 ? 'skipped' : 'succeeded'),
      );
    },
  );

  it('reports every concurrent record still in flight, and lets processRecord react to the signal', async () => {
    const event = sqsEvent(['a', 'b', 'c']);
    const aborted: string[] = [];
    const processBatch = createBatchProcessor(
      (record, { signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted.push(record.body);
            reject(signal.reason);
          });
        }),
      { concurrency: 3, timeoutMarginMs: 200 },
    );

    const result = processBatch(event, lambdaContext({ remainingMs: 1200 }));
    await vi.advanceTimersByTimeAsync(1000);
    const { response, outcomes } = await result;

    expect(aborted).toEqual(['a', 'b', 'c']);
    expect(failedIds(response)).toEqual(event.Records.map((r) => r.messageId));
    expect(outcomes.every((o) => o.status === 'failed' && o.error instanceof InvocationTimeoutError)).toBe(true);
  });

  it.each([
    { queue: 'standard', concurrency: 1 },
    { queue: 'standard', concurrency: 2 },
    { queue: 'standard', concurrency: 3 },
    { queue: 'FIFO', concurrency: 1 },
    { queue: 'FIFO', concurrency: 3 },
  ])(
    'starts no record when the remaining time is already below the margin ($queue, concurrency $concurrency)',
    async ({ queue, concurrency }) => {
      const processRecord = vi.fn();
      const event = sqsEvent(['a', 'b', 'c'], { fifo: queue === 'FIFO', groupId: (i) => `g-${i % 2}` });
      const options = { timeoutMarginMs: 1000, concurrency };
      const handler = createBatchHandler(processRecord, { ...options, throwOnFullBatchFailure: false });
      const processBatch = createBatchProcessor(processRecord, options);

      const response = await handler(event, lambdaContext({ remainingMs: 900 }));
      const { outcomes } = await processBatch(event, lambdaContext({ remainingMs: 900 }));

      expect(processRecord).not.toHaveBeenCalled();
      expect(failedIds(response)).toEqual(event.Records.map((r) => r.messageId));
      expect(outcomes.map((o) => (o.status === 'skipped' ? o.reason : o.status))).toEqual(Array(3).fill('timeout'));
      await expect(
        createBatchHandler(processRecord, { concurrency })(event, lambdaContext({ remainingMs: 10 })),
      ).rejects.toBeInstanceOf(FullBatchFailureError);
    },
  );

  it('checks the clock before each record, even when time jumps past the timer (records that block the event loop)', async () => {
    const context = lambdaContext({ remainingMs: 10_000 }); // counts down with Date.now, as Lambda's does
    const ran: string[] = [];
    const processBatch = createBatchProcessor((record) => {
      ran.push(record.body);
      vi.setSystemTime(Date.now() + 4000); // each record "takes" 4 s without letting a timer run
    });

    const { outcomes } = await processBatch(sqsEvent(['1', '2', '3', '4']), context);

    expect(ran).toEqual(['1', '2', '3']);
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'skipped']);
  });

  it('re-arms when the timer fires but the context still has time', async () => {
    let remaining = 5000;
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => remaining } as Context;
    const gate = deferred();
    const processBatch = createBatchProcessor(() => gate.promise);

    const result = processBatch(sqsEvent(['a']), context);
    await vi.advanceTimersByTimeAsync(4000); // timer fires, but the context still says 5000 ms
    gate.resolve();
    const { outcomes } = await result;

    expect(outcomes[0]?.status).toBe('succeeded');
    remaining = 0;
  });

  it('asks the context again when the clock says the cutoff has come, and goes on while it still has time', async () => {
    let remaining = 5000;
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => remaining } as Context;
    const ran: string[] = [];
    const processBatch = createBatchProcessor((record) => {
      ran.push(record.body);
      vi.setSystemTime(Date.now() + 4500); // past the cutoff the first answer implied…
      if (record.body === '2') remaining = 500; // …but the context says 5 s until the second record
    });

    const { outcomes } = await processBatch(sqsEvent(['1', '2', '3']), context);

    expect(ran).toEqual(['1', '2']);
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'skipped']);
  });

  it('stops keeping a deadline when the context stops telling the time', async () => {
    let calls = 0;
    const context = {
      ...lambdaContext(),
      getRemainingTimeInMillis: () => (++calls === 1 ? 3000 : Number.NaN),
    } as Context;
    const { MemoryIdempotencyStore } = await import('../../src/index.js');
    const processBatch = createBatchProcessor(() => new Promise((resolve) => setTimeout(resolve, 5000)), {
      idempotency: { store: new MemoryIdempotencyStore() },
    });

    const result = processBatch(sqsEvent(['a']), context);
    await vi.advanceTimersByTimeAsync(5000);

    expect((await result).outcomes[0]?.status).toBe('succeeded');
  });

  it('keeps the outcomes it returned when a record finishes after the deadline', async () => {
    const gate = deferred();
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const processBatch = createBatchProcessor(() => gate.promise, { logger });

    const result = processBatch(sqsEvent(['a']), lambdaContext({ remainingMs: 2000 }));
    await vi.advanceTimersByTimeAsync(1000);
    const { outcomes } = await result;
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);

    expect(outcomes[0]?.status).toBe('failed');
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('clears its timer after answering, so nothing is left pending', async () => {
    const processBatch = createBatchProcessor(() => {});

    await processBatch(sqsEvent(['a']), lambdaContext({ remainingMs: 60_000 }));

    expect(vi.getTimerCount()).toBe(0);
  });

  it('has no deadline without a context, or with a context that cannot tell the time', async () => {
    const gate = deferred();
    const processBatch = createBatchProcessor(() => gate.promise);
    const broken = { ...lambdaContext(), getRemainingTimeInMillis: () => Number.NaN } as Context;

    const results = [
      processBatch(sqsEvent(['a'])),
      processBatch(sqsEvent(['b']), broken),
      processBatch(sqsEvent(['c']), {} as Context),
    ];
    await vi.advanceTimersByTimeAsync(3_600_000);
    gate.resolve();

    for (const { outcomes } of await Promise.all(results)) expect(outcomes[0]?.status).toBe('succeeded');
  });
});

describe('timeout awareness on the real clock', () => {
  it('returns before the deadline when a record never settles', async () => {
    const event = sqsEvent(['hang']);
    const handler = createBatchHandler(() => never(), { timeoutMarginMs: 100, throwOnFullBatchFailure: false });

    const response = await handler(event, lambdaContext({ remainingMs: 150 }));

    expect(failedIds(response)).toEqual([event.Records[0]?.messageId]);
  });
});
