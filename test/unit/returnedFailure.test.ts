import { describe, expect, it } from 'vitest';
import {
  createBatchHandler,
  createBatchProcessor,
  MemoryIdempotencyStore,
  ReturnedFailureError,
} from '../../src/index.js';
import { failedIds, sqsEvent } from '../helpers/events.js';

// Values a function ported from a hand-written loop returns to mean "this one failed".
const failing: Array<{ label: string; value: () => unknown; returned: ReturnedFailureError['returned'] }> = [
  { label: 'false', value: () => false, returned: 'false' },
  { label: 'an Error', value: () => new Error('card declined'), returned: 'error' },
  { label: 'a TypeError', value: () => new TypeError('bad'), returned: 'error' },
  { label: 'a partial-batch response', value: () => ({ batchItemFailures: [] }), returned: 'batch-response' },
  {
    label: 'a partial-batch response naming the record',
    value: () => ({ batchItemFailures: [{ itemIdentifier: 'x' }] }),
    returned: 'batch-response',
  },
];

// Values that stay a success: returning is not failing, except for the three shapes above.
const succeeding: Array<{ label: string; value: () => unknown }> = [
  { label: 'undefined', value: () => undefined },
  { label: 'true', value: () => true },
  { label: 'null', value: () => null },
  { label: '0', value: () => 0 },
  { label: 'an empty string', value: () => '' },
  { label: 'an object', value: () => ({ ok: true }) },
  { label: 'an object whose batchItemFailures is not an array', value: () => ({ batchItemFailures: 'none' }) },
  {
    label: 'an object whose batchItemFailures getter throws',
    value: () =>
      Object.defineProperty({}, 'batchItemFailures', {
        get() {
          throw new Error('getter');
        },
      }),
  },
];

const modes = [
  { mode: 'sequential', concurrency: 1, size: 3 },
  { mode: 'all at once', concurrency: 5, size: 3 },
  { mode: 'pool', concurrency: 2, size: 5 },
];

describe.each(modes)('a returned value ($mode)', ({ concurrency, size }) => {
  const bodies = Array.from({ length: size }, (_, i) => `b${i}`);

  describe.each([
    { kind: 'sync', wrap: (v: unknown) => v },
    { kind: 'async', wrap: (v: unknown) => Promise.resolve(v) },
  ])('$kind', ({ wrap }) => {
    it.each(failing)('$label fails the record with ReturnedFailureError', async ({ value, returned }) => {
      const event = sqsEvent(bodies);
      const processor = createBatchProcessor((record) => (record.body === 'b1' ? wrap(value()) : undefined), {
        concurrency,
      });

      const result = await processor(event);

      const target = event.Records[1]?.messageId as string;
      expect(failedIds(result.response)).toEqual([target]);
      const outcome = result.outcomes[1];
      expect(outcome?.status).toBe('failed');
      const error = outcome?.status === 'failed' ? outcome.error : undefined;
      expect(error).toBeInstanceOf(ReturnedFailureError);
      expect((error as ReturnedFailureError).code).toBe('RETURNED_FAILURE');
      expect((error as ReturnedFailureError).returned).toBe(returned);
      expect((error as Error).message).toContain('throw an error instead');
      expect((error as Error).message).toContain(target);
      if (returned === 'error') expect((error as Error).cause).toBeInstanceOf(Error);
    });

    it.each(succeeding)('$label is a success', async ({ value }) => {
      const handler = createBatchHandler(() => wrap(value()), { concurrency });

      expect(await handler(sqsEvent(bodies))).toEqual({ batchItemFailures: [] });
    });
  });
});

describe('a returned failure with idempotency', () => {
  it('is failed, not completed: the redelivery runs again', async () => {
    const store = new MemoryIdempotencyStore();
    let calls = 0;
    const processor = createBatchProcessor(
      async () => {
        calls++;
        return calls === 1 ? false : undefined;
      },
      { idempotency: { store } },
    );
    const event = sqsEvent(['order-1']);

    expect(failedIds((await processor(event)).response)).toEqual([event.Records[0]?.messageId]);
    expect((await processor(event)).response).toEqual({ batchItemFailures: [] });
    expect(calls).toBe(2);
  });
});

describe('a returned failure on a FIFO queue', () => {
  it('stops the group like a thrown error', async () => {
    const event = sqsEvent(['a', 'b', 'c'], { fifo: true, groupId: () => 'g' });
    const seen: string[] = [];
    const processor = createBatchProcessor((record) => {
      seen.push(record.body);
      return record.body === 'a' ? false : undefined;
    });

    const { response } = await processor(event);

    expect(seen).toEqual(['a']);
    expect(failedIds(response)).toEqual(event.Records.map((r) => r.messageId));
  });
});
