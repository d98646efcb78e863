import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.js';
import { deferred, failedIds, flush, sqsEvent } from '../helpers/events.js';

describe('sequential mode', () => {
  it('runs records one at a time, in event order', async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const handler = createBatchHandler(async (record) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      order.push(record.body);
      await flush();
      running--;
    });

    await handler(sqsEvent(bodies));

    expect(order).toEqual(bodies);
    expect(maxRunning).toBe(1);
  });

  it('does not start the next record before the current one settles', async () => {
    const gates = [deferred(), deferred()];
    const started: number[] = [];
    const handler = createBatchHandler(async (record) => {
      const i = Number(record.body);
      started.push(i);
      await gates[i]?.promise;
    });

    const done = handler(sqsEvent(['0', '1']));
    await flush();
    expect(started).toEqual([0]);
    gates[0]?.resolve();
    await flush();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    expect(await done).toEqual({ batchItemFailures: [] });
  });
});

describe('bounded concurrency', () => {
  it.each([2, 3, 8])('never has more than %i records in flight, and reaches that many', async (limit) => {
    const gates = Array.from({ length: 25 }, () => deferred());
    let running = 0;
    let maxRunning = 0;
    const handler = createBatchHandler(
      async (record) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        expect(running).toBeLessThanOrEqual(limit);
        await gates[Number(record.body)]?.promise;
        running--;
      },
      { concurrency: limit },
    );

    const done = handler(sqsEvent(gates.map((_, i) => String(i))));
    await flush();
    expect(running).toBe(limit); // really concurrent: all slots filled before any record settles
    for (const gate of gates) {
      gate.resolve();
      await flush();
    }

    expect(await done).toEqual({ batchItemFailures: [] });
    expect(maxRunning).toBe(limit);
  });

  it('starts records in event order and refills a slot as soon as one frees', async () => {
    const gates = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    const handler = createBatchHandler(
      async (record) => {
        started.push(Number(record.body));
        await gates[Number(record.body)]?.promise;
      },
      { concurrency: 2 },
    );

    const done = handler(sqsEvent(['0', '1', '2', '3', '4']));
    await flush();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    for (const gate of gates) gate.resolve();
    await done;
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('handles more slots than records and mixes sync and async record functions', async () => {
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'sync-fail') throw new Error('x');
        return record.body === 'async' ? Promise.resolve() : undefined;
      },
      { concurrency: 50 },
    );
    const event = sqsEvent(['sync', 'async', 'sync-fail']);

    expect(failedIds(await handler(event))).toEqual([event.Records[2]?.messageId]);
  });
});

describe.each([1, 4])('AsyncLocalStorage (concurrency %i)', (concurrency) => {
  it("keeps the caller's store visible inside processRecord", async () => {
    const storage = new AsyncLocalStorage<{ requestId: string }>();
    const seen: Array<string | undefined> = [];
    const handler = createBatchHandler(
      async () => {
        seen.push(storage.getStore()?.requestId);
        await flush();
        seen.push(storage.getStore()?.requestId);
      },
      { concurrency },
    );

    // More records than slots, so some start from the callback of a finished one.
    const bodies = Array.from({ length: 10 }, (_, i) => `body-${i}`);
    await storage.run({ requestId: 'req-1' }, () => handler(sqsEvent(bodies)));

    expect(seen).toEqual(Array(20).fill('req-1'));
  });
});

/** A hand-made thenable (not a promise) around `then`. */
function thenable(then: (ok?: () => void, fail?: (error: unknown) => void) => void): PromiseLike<void> {
  return { then } as unknown as PromiseLike<void>;
}

describe.each([
  ['sequential', 1],
  ['all at once', 3],
  ['in a pool', 2],
])('thenables (%s)', (_mode, concurrency) => {
  it('settles records whose processRecord returns a thenable, even one whose then throws', async () => {
    const handler = createBatchHandler(
      (record): PromiseLike<void> => {
        if (record.body === 'throws') {
          return thenable(() => {
            throw new Error('then blew up');
          });
        }
        if (record.body === 'rejects') return thenable((_ok, fail) => fail?.(new Error('no')));
        return thenable((ok) => ok?.());
      },
      { concurrency },
    );
    const event = sqsEvent(['fine', 'throws', 'rejects']);

    const response = await handler(event);

    expect(failedIds(response)).toEqual(event.Records.slice(1).map((r) => r.messageId));
  });
});

describe('thenables after an async schema', () => {
  it('settles a record whose thenable throws in then, once its body validated asynchronously', async () => {
    const schema = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: async (value: unknown) => ({ value: String(value) }),
      },
    };
    const handler = createBatchHandler(
      (record): PromiseLike<void> =>
        record.body === 'throws'
          ? thenable(() => {
              throw new Error('then blew up');
            })
          : Promise.resolve(),
      { schema },
    );
    const event = sqsEvent(['"fine"', '"throws"']);

    const response = await handler(event);

    expect(failedIds(response)).toEqual([event.Records[1]?.messageId]);
  });
});
