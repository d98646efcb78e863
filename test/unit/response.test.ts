import { describe, expect, it, vi } from 'vitest';
import { createBatchHandler, createBatchProcessor, FullBatchFailureError } from '../../src/index.js';
import { failedIds, sqsEvent, sqsRecord } from '../helpers/events.js';

describe.each([
  { mode: 'sequential', concurrency: 1 },
  { mode: 'concurrent', concurrency: 4 },
])('response ($mode)', ({ concurrency }) => {
  it('returns an empty list when every record succeeds', async () => {
    const handler = createBatchHandler(() => {}, { concurrency });

    const response = await handler(sqsEvent(['a', 'b', 'c']));

    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('returns an empty list for an empty batch, without calling processRecord', async () => {
    const processRecord = vi.fn();
    const handler = createBatchHandler(processRecord, { concurrency });

    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(processRecord).not.toHaveBeenCalled();
  });

  it('reports exactly the failed records, in event order, and keeps processing the others', async () => {
    const event = sqsEvent(['ok-1', 'fail-1', 'ok-2', 'fail-2', 'ok-3']);
    const seen: string[] = [];
    const handler = createBatchHandler(
      async (record) => {
        seen.push(record.body);
        await Promise.resolve();
        if (record.body.startsWith('fail')) throw new Error(`cannot handle ${record.body}`);
      },
      { concurrency },
    );

    const response = await handler(event);

    expect(failedIds(response)).toEqual([event.Records[1]?.messageId, event.Records[3]?.messageId]);
    expect(seen.sort()).toEqual(['fail-1', 'fail-2', 'ok-1', 'ok-2', 'ok-3']);
  });

  it.each([
    ['a string', 'boom'],
    ['an object', { reason: 'boom' }],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
  ])('counts a throw of %s as a failure (sync and async)', async (_label, thrown) => {
    const event = sqsEvent(['sync', 'async', 'ok']);
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'sync') throw thrown;
        if (record.body === 'async') return Promise.reject(thrown);
        return undefined;
      },
      { concurrency },
    );

    const response = await handler(event);

    expect(failedIds(response)).toEqual([event.Records[0]?.messageId, event.Records[1]?.messageId]);
  });

  it('reports a message id once even when the event repeats it', async () => {
    const twin = sqsRecord('fail');
    const event = sqsEvent([twin, { ...twin, receiptHandle: 'other' }, 'ok']);
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'fail') throw new Error('fail');
      },
      { concurrency },
    );

    const response = await handler(event);

    expect(failedIds(response)).toEqual([twin.messageId]);
  });

  it('throws FullBatchFailureError with every error when all records fail', async () => {
    const event = sqsEvent(['a', 'b']);
    const handler = createBatchHandler(
      (record) => {
        throw new Error(`no ${record.body}`);
      },
      { concurrency },
    );

    const error = await handler(event).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FullBatchFailureError);
    const full = error as FullBatchFailureError;
    expect(full.code).toBe('FULL_BATCH_FAILURE');
    expect(full.name).toBe('FullBatchFailureError');
    expect(full.errors.map((e) => [e.messageId, (e.error as Error).message])).toEqual([
      [event.Records[0]?.messageId, 'no a'],
      [event.Records[1]?.messageId, 'no b'],
    ]);
    expect(full.outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect(full.message).toContain('All 2 records');
  });

  it('returns every id instead when throwOnFullBatchFailure is false', async () => {
    const event = sqsEvent(['a', 'b']);
    const handler = createBatchHandler(
      () => {
        throw new Error('down');
      },
      { concurrency, throwOnFullBatchFailure: false },
    );

    const response = await handler(event);

    expect(failedIds(response)).toEqual(event.Records.map((r) => r.messageId));
  });

  it('does not throw when one record of many succeeds', async () => {
    const event = sqsEvent(['a', 'b', 'ok']);
    const handler = createBatchHandler(
      (record) => {
        if (record.body !== 'ok') throw new Error('down');
      },
      { concurrency },
    );

    expect(failedIds(await handler(event))).toHaveLength(2);
  });
});

describe('createBatchProcessor', () => {
  it('returns the response with an outcome per record and never throws for failures', async () => {
    const event = sqsEvent(['ok', 'fail', '{bad json', 'ok']);
    const processBatch = createBatchProcessor(
      (record) => {
        if (record.body === 'fail') throw new Error('fail');
      },
      { envelope: undefined },
    );
    const bodies = createBatchProcessor(
      (record) => {
        if (record.body.kind === 'fail') throw new Error('fail');
      },
      {
        schema: {
          '~standard': {
            version: 1,
            vendor: 'test',
            validate: (value: unknown) =>
              typeof value === 'object' && value !== null
                ? { value: value as { kind: string } }
                : { issues: [{ message: 'not an object' }] },
          },
        },
      },
    );

    const result = await processBatch(event);
    const allFailed = await bodies(sqsEvent(['"x"', '1']));

    expect(result.outcomes.map((o) => o.status)).toEqual(['succeeded', 'failed', 'succeeded', 'succeeded']);
    expect(result.outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3]);
    expect(failedIds(result.response)).toEqual([event.Records[1]?.messageId]);
    expect(allFailed.outcomes.map((o) => o.status)).toEqual(['invalid', 'invalid']);
    expect(allFailed.response.batchItemFailures).toHaveLength(2);
  });

  it('carries the thrown value as the outcome error', async () => {
    const thrown = { code: 'E_DOWN' };
    const processBatch = createBatchProcessor(() => {
      throw thrown;
    });

    const { outcomes } = await processBatch(sqsEvent(['a']));

    expect(outcomes[0]).toMatchObject({ status: 'failed', error: thrown });
  });

  it('rejects an unknown option that only the handler accepts', () => {
    expect(() => createBatchProcessor(() => {}, { throwOnFullBatchFailure: false } as never)).toThrow(
      /Unknown option `throwOnFullBatchFailure`/,
    );
  });
});
