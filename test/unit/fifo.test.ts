import { describe, expect, it } from 'vitest';
import { createBatchHandler, createBatchProcessor } from '../../src/index.js';
import { deferred, failedIds, flush, sqsEvent } from '../helpers/events.js';

/** Bodies "<group>:<n>"; the group comes from the body. */
function fifoEvent(bodies: string[]) {
  return sqsEvent(bodies, { fifo: true, groupId: (i) => (bodies[i] as string).split(':')[0] as string });
}

describe('FIFO scheduling', () => {
  it('detects FIFO from the event source ARN and runs each group in order, one at a time, even with concurrency', async () => {
    const bodies = ['a:1', 'b:1', 'a:2', 'c:1', 'b:2', 'a:3', 'c:2', 'b:3'];
    const perGroup = new Map<string, number[]>();
    const inFlight = new Map<string, number>();
    let running = 0;
    let maxRunning = 0;
    const handler = createBatchHandler(
      async (record) => {
        const [group, n] = record.body.split(':') as [string, string];
        expect(record.messageGroupId).toBe(group);
        expect(inFlight.get(group) ?? 0).toBe(0);
        inFlight.set(group, 1);
        running++;
        maxRunning = Math.max(maxRunning, running);
        await flush();
        perGroup.set(group, [...(perGroup.get(group) ?? []), Number(n)]);
        inFlight.set(group, 0);
        running--;
      },
      { concurrency: 3 },
    );

    await handler(fifoEvent(bodies));

    expect(Object.fromEntries(perGroup)).toEqual({ a: [1, 2, 3], b: [1, 2, 3], c: [1, 2] });
    expect(maxRunning).toBe(3); // different groups did run side by side
  });

  it('keeps at most `concurrency` groups in flight', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => `g${i % 6}:${i}`);
    let running = 0;
    let maxRunning = 0;
    const handler = createBatchHandler(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await flush();
        running--;
      },
      { concurrency: 2 },
    );

    await handler(fifoEvent(bodies));

    expect(maxRunning).toBe(2);
  });

  it('with concurrency 1 runs in exact event order across groups', async () => {
    const bodies = ['a:1', 'b:1', 'a:2', 'c:1', 'b:2'];
    const order: string[] = [];
    const handler = createBatchHandler(async (record) => {
      order.push(record.body);
      await flush();
    });

    await handler(fifoEvent(bodies));

    expect(order).toEqual(bodies);
  });

  it('does not treat a standard queue as FIFO even when records carry a MessageGroupId', async () => {
    const event = sqsEvent(['a:1', 'a:2', 'a:3']);
    for (const record of event.Records) record.attributes.MessageGroupId = 'a';
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'a:1') throw new Error('x');
      },
      { concurrency: 3 },
    );

    expect(failedIds(await handler(event))).toEqual([event.Records[0]?.messageId]);
  });
});

describe("fifoFailure: 'stop-batch' (default)", () => {
  it('starts no further record after the first failure and reports every record that did not succeed', async () => {
    const bodies = ['a:1', 'b:1', 'a:2', 'b:2', 'c:1'];
    const event = fifoEvent(bodies);
    const ran: string[] = [];
    const processBatch = createBatchProcessor((record) => {
      ran.push(record.body);
      if (record.body === 'b:1') throw new Error('b failed');
    });

    const { response, outcomes } = await processBatch(event);

    expect(ran).toEqual(['a:1', 'b:1']);
    expect(failedIds(response)).toEqual(event.Records.slice(1).map((r) => r.messageId));
    expect(outcomes.map((o) => (o.status === 'skipped' ? o.reason : o.status))).toEqual([
      'succeeded',
      'failed',
      'fifo-batch-stopped',
      'fifo-batch-stopped',
      'fifo-batch-stopped',
    ]);
  });

  it('lets records already in flight in other groups finish, and counts their result', async () => {
    const event = fifoEvent(['a:1', 'b:1', 'a:2', 'b:2']);
    const gateB = deferred();
    const ran: string[] = [];
    const handler = createBatchHandler(
      async (record) => {
        ran.push(record.body);
        if (record.body === 'a:1') throw new Error('a failed');
        await gateB.promise;
      },
      { concurrency: 2 },
    );

    const done = handler(event);
    await flush();
    gateB.resolve();
    const response = await done;

    expect(ran).toEqual(['a:1', 'b:1']);
    const ids = event.Records.map((r) => r.messageId);
    expect(failedIds(response)).toEqual([ids[0], ids[2], ids[3]]);
  });

  it('treats an invalid record as a failure that stops the batch', async () => {
    const event = sqsEvent(['{"n":1}', 'not json', '{"n":3}'], { fifo: true });
    const ran: number[] = [];
    const handler = createBatchHandler((record) => void ran.push(record.body.n), {
      schema: {
        '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value: value as { n: number } }) },
      },
    });

    const response = await handler(event);

    expect(ran).toEqual([1]);
    expect(failedIds(response)).toEqual(event.Records.slice(1).map((r) => r.messageId));
  });
});

describe("fifoFailure: 'stop-group'", () => {
  it.each([1, 3])('skips only the failed group, other groups go on (concurrency %i)', async (concurrency) => {
    const bodies = ['a:1', 'b:1', 'a:2', 'b:2', 'a:3', 'c:1', 'b:3'];
    const event = fifoEvent(bodies);
    const ran: string[] = [];
    const processBatch = createBatchProcessor(
      async (record) => {
        ran.push(record.body);
        await flush();
        if (record.body === 'a:2') throw new Error('a failed');
      },
      { fifoFailure: 'stop-group', concurrency },
    );

    const { response, outcomes } = await processBatch(event);

    expect(ran.sort()).toEqual(['a:1', 'a:2', 'b:1', 'b:2', 'b:3', 'c:1']);
    expect(failedIds(response)).toEqual([event.Records[2]?.messageId, event.Records[4]?.messageId]);
    expect(outcomes[4]).toMatchObject({ status: 'skipped', reason: 'fifo-group-stopped' });
  });

  it('puts records without a group id into one shared group', async () => {
    const event = sqsEvent(['1', '2', '3'], { fifo: true });
    for (const record of event.Records) delete record.attributes.MessageGroupId;
    const ran: string[] = [];
    const handler = createBatchHandler(
      (record) => {
        ran.push(record.body);
        if (record.body === '2') throw new Error('x');
      },
      { fifoFailure: 'stop-group', concurrency: 3 },
    );

    const response = await handler(event);

    expect(ran).toEqual(['1', '2']);
    expect(failedIds(response)).toEqual(event.Records.slice(1).map((r) => r.messageId));
  });
});
