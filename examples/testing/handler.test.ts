/**
 * Testing a handler the way SQS and Lambda will treat it. Copy this file next
 * to your handler: unit tests with the event builders, then a simulated queue
 * with duplicates, failures and a DLQ on a virtual clock.
 */
import { lambdaContext, QueueSimulator, sqsEvent } from 'sqs-partial-batch/testing';
import { describe, expect, it } from 'vitest';
import { createOrdersHandler, type Order } from './orders.js';

describe('orders handler', () => {
  it('reports only the record that failed', async () => {
    const handler = createOrdersHandler(async (order) => {
      if (order.orderId === 'declined') throw new Error('card declined');
    });
    const event = sqsEvent([
      { orderId: 'a', amountCents: 100 },
      { orderId: 'declined', amountCents: 100 },
      'not even JSON',
    ]);

    const response = await handler(event, lambdaContext({ remainingMs: 10_000 }));

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: event.Records[1]?.messageId },
      { itemIdentifier: event.Records[2]?.messageId },
    ]);
  });

  it('charges each order exactly once on a queue that redelivers and duplicates', async () => {
    const sim = new QueueSimulator({ seed: 1, duplicateRate: 0.1, maxReceiveCount: 3, maxConcurrency: 5 });
    for (let i = 0; i < 500; i++) sim.send({ orderId: `order-${i}`, amountCents: 100 + i });
    sim.send({ orderId: 'poison', amountCents: -1 }); // fails validation every time
    const charged = new Map<string, number>();
    let calls = 0;
    const handler = createOrdersHandler(async (order: Order, signal) => {
      await sim.clock.sleep(20, { signal }); // the payment provider takes 20 simulated ms
      if (++calls % 50 === 0) throw new Error('provider hiccup'); // every 50th call fails once
      charged.set(order.orderId, (charged.get(order.orderId) ?? 0) + 1);
    });

    const result = await sim.run(handler);

    expect(charged.size).toBe(500);
    expect([...charged.values()].every((n) => n === 1)).toBe(true);
    expect(result.deadLettered).toHaveLength(1);
    expect(result.undelivered).toEqual([]);
  });
});
