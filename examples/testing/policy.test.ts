/**
 * The whole failure policy of an order handler, on the queue simulator:
 * duplicates charged once, transient failures retried after the backoff the
 * handler set (in simulated time), unknown SKUs and bad JSON parked in the
 * dead-letter queue with their error, and metrics read from a recorder, with
 * nothing printed. Copy it next to your handler.
 */
import { MemoryIdempotencyStore } from 'sqs-partial-batch';
import {
  createFakeSqsClient,
  createMetricsRecorder,
  lambdaContext,
  QueueSimulator,
  sqsEvent,
} from 'sqs-partial-batch/testing';
import { describe, expect, it } from 'vitest';
import { createOrdersPolicyHandler, type Order } from './policy.js';

const catalog = new Set(['sku-1', 'sku-2']);

describe('orders handler failure policy', () => {
  it('parks what can never succeed, retries the rest after its backoff, charges each order once', async () => {
    const sim = new QueueSimulator({
      seed: 42,
      duplicateRate: 0.05,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 900,
    });
    for (let i = 0; i < 200; i++) sim.send({ orderId: `order-${i}`, sku: `sku-${1 + (i % 2)}`, amountCents: 100 + i });
    const unknownSku = sim.send({ orderId: 'order-x', sku: 'sku-404', amountCents: 100 });
    const badJson = sim.send('{"orderId": ');
    const charged = new Map<string, number>();
    let calls = 0;
    const handler = createOrdersPolicyHandler({
      charge: async (order: Order, signal) => {
        await sim.clock.sleep(25, { signal });
        if (++calls % 40 === 0) throw new Error('payment provider timed out'); // transient
        charged.set(order.orderId, (charged.get(order.orderId) ?? 0) + 1);
      },
      catalog,
      sqs: sim.sqs,
      deadLetterQueueUrl: sim.sqs.queueUrl('orders-dlq'),
      store: new MemoryIdempotencyStore(),
      metrics: sim.metrics,
    });

    const result = await sim.run(handler);

    // Exactly once, though SQS delivered some twice and the provider failed some calls.
    expect(charged.size).toBe(200);
    expect([...charged.values()].every((n) => n === 1)).toBe(true);
    // Parked by the handler at their first receive, with the reason; not by the queue's redrive after 5.
    expect(result.parked.map((m) => m.messageAttributes.OriginalMessageId)).toEqual(
      expect.arrayContaining([
        { DataType: 'String', StringValue: unknownSku },
        { DataType: 'String', StringValue: badJson },
      ]),
    );
    expect(result.receiveCounts.get(unknownSku)).toBe(1);
    expect(result.deadLettered).toEqual([]);
    expect(result.undelivered).toEqual([]);
    // Transient failures came back after the handler's backoff (30 s first), not the queue's 900 s.
    const retried = result.batches.filter((b) => b.reported.length > 0);
    expect(retried.length).toBeGreaterThan(0);
    expect(result.simulatedMs).toBeLessThan(900_000);
    // Read from the recorder, not from stdout.
    expect(result.metrics.InvalidBodies).toBe(1);
    expect(result.metrics.RecordsDeadLettered).toBe(2);
    // Every provider failure was reported (and so were duplicates that arrived while their first copy ran).
    expect(result.metrics.RecordsFailed).toBeGreaterThanOrEqual(Math.floor(calls / 40));
  });

  it('keeps a record failed (it comes back) when the dead-letter queue cannot take it', async () => {
    const sqs = createFakeSqsClient();
    sqs.fail('SendMessageBatch', { mode: 'throw' });
    const metrics = createMetricsRecorder();
    const handler = createOrdersPolicyHandler({
      charge: async () => {},
      catalog,
      sqs,
      deadLetterQueueUrl: sqs.queueUrl('orders-dlq'),
      store: new MemoryIdempotencyStore(),
      metrics,
    });
    const event = sqsEvent([
      { orderId: 'a', sku: 'sku-1', amountCents: 100 },
      { orderId: 'b', sku: 'sku-404', amountCents: 100 },
    ]);

    const response = await handler(event, lambdaContext({ remainingMs: 10_000 }));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.messageId }]);
    expect(sqs.sent('orders-dlq')).toEqual([]);
    // It is failed, so backoff delayed it: one visibility change, for that record only.
    const [change] = sqs.callsOf('ChangeMessageVisibilityBatch');
    expect(change?.Entries).toHaveLength(1);
    expect(metrics.totals()).toMatchObject({ RecordsSucceeded: 1, RecordsFailed: 1, RecordsDeadLettered: 0 });
  });
});
