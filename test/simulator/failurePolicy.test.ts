import { describe, expect, it } from 'vitest';
import { createBatchHandler, PermanentError } from '../../src/index.js';
import { QueueSimulator } from '../../src/testing/index.js';

/** Simulated ms between the end of a message's first invocation and the start of its next one. */
function redeliveryGap(sim: Awaited<ReturnType<QueueSimulator['run']>>, messageId: string): number[] {
  const runs = sim.batches.filter((b) => b.messageIds.includes(messageId));
  return runs.slice(1).map((b, i) => b.startedAt - (runs[i] as { endedAt: number }).endedAt);
}

describe('the queue simulator runs the failure policy', () => {
  it('backoff: a failed record comes back after the delay the library set, in simulated time', async () => {
    const sim = new QueueSimulator({ seed: 7, visibilityTimeoutSeconds: 120, maxReceiveCount: 10 });
    const flaky = sim.send('flaky');
    sim.send('fine');
    let attempts = 0;
    const handler = createBatchHandler(
      async (record) => {
        if (record.body === 'flaky' && ++attempts < 3) throw new Error('downstream busy');
      },
      { backoff: { client: sim.sqs, baseSeconds: 10, jitter: 'none' }, logger: false },
    );

    const result = await sim.run(handler);

    expect(result.undelivered).toEqual([]);
    expect(result.receiveCounts.get(flaky)).toBe(3);
    // 10 s after the first failure, 20 s after the second: not the queue's 120 s visibility timeout.
    expect(redeliveryGap(result, flaky)).toEqual([10_000, 20_000]);
    expect(sim.sqs.callsOf('ChangeMessageVisibilityBatch')).toHaveLength(2);
    expect(sim.sqs.callsOf('GetQueueUrl')).toEqual([
      { QueueName: sim.queue.options.name, QueueOwnerAWSAccountId: '123456789012' },
    ]);
  });

  it('without backoff the record comes back after the visibility timeout', async () => {
    const sim = new QueueSimulator({ seed: 7, visibilityTimeoutSeconds: 120, maxReceiveCount: 10 });
    const flaky = sim.send('flaky');
    sim.send('fine');
    let attempts = 0;
    const handler = createBatchHandler(
      async (record) => {
        if (record.body === 'flaky' && ++attempts < 2) throw new Error('downstream busy');
      },
      { logger: false },
    );

    const result = await sim.run(handler);

    const [gap] = redeliveryGap(result, flaky);
    expect(gap).toBeGreaterThan(100_000);
  });

  it('dead-letter: parked messages are in the result with their attributes, and are not redelivered', async () => {
    const sim = new QueueSimulator({ seed: 3, maxReceiveCount: 5 });
    const poison = sim.send({ sku: 'gone' });
    for (let i = 0; i < 9; i++) sim.send({ sku: `ok-${i}` });
    const dlq = sim.sqs.queueUrl('orders-dlq');
    const handler = createBatchHandler(
      async (record) => {
        if (record.body.includes('gone')) throw new PermanentError('unknown sku');
      },
      {
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: sim.sqs, queueUrl: dlq },
        metrics: sim.metrics,
        logger: false,
      },
    );

    const result = await sim.run(handler);

    expect(result.deletions).toBe(10);
    expect(result.receiveCounts.get(poison)).toBe(1);
    expect(result.deadLettered).toEqual([]); // not by the queue's redrive: by the library, at once
    expect(result.parked).toHaveLength(1);
    const [parked] = result.parked;
    expect(parked?.queueUrl).toBe(dlq);
    expect(parked?.body).toBe(JSON.stringify({ sku: 'gone' }));
    expect(parked?.messageAttributes).toMatchObject({
      ErrorName: { DataType: 'String', StringValue: 'PermanentError' },
      ErrorMessage: { DataType: 'String', StringValue: 'unknown sku' },
      OriginalMessageId: { DataType: 'String', StringValue: poison },
    });
    expect(result.metrics).toMatchObject({ RecordsSucceeded: 9, RecordsDeadLettered: 1, BatchSize: 10 });
  });

  it('dead-letter: a send that fails leaves the record failed; it comes back and is parked on a later try', async () => {
    const sim = new QueueSimulator({ seed: 3, maxReceiveCount: 5 });
    const poison = sim.send('poison');
    sim.sqs.fail('SendMessageBatch', { mode: 'fail-entries' });
    const handler = createBatchHandler(
      async () => {
        throw new PermanentError('never');
      },
      {
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: sim.sqs, queueUrl: sim.sqs.queueUrl('dlq') },
        throwOnFullBatchFailure: false,
        logger: false,
      },
    );

    const result = await sim.run(handler);

    expect(result.receiveCounts.get(poison)).toBe(2);
    expect(result.parked.map((m) => m.body)).toEqual(['poison']);
    expect(result.undelivered).toEqual([]);
  });

  it('drop: the record is removed, never redelivered, and counted', async () => {
    const sim = new QueueSimulator({ seed: 5, maxReceiveCount: 5 });
    const poison = sim.send('poison');
    sim.send('ok');
    const handler = createBatchHandler(
      async (record) => {
        if (record.body === 'poison') throw new PermanentError('never');
      },
      { onPermanentFailure: 'drop', metrics: sim.metrics, logger: false },
    );

    const result = await sim.run(handler);

    expect(result.receiveCounts.get(poison)).toBe(1);
    expect(result.deletions).toBe(2);
    expect(result.parked).toEqual([]);
    expect(result.metrics).toMatchObject({ RecordsDropped: 1, RecordsSucceeded: 1 });
  });
});
