import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, sqsEvent, sqsRecord } from '../../src/testing/index.js';

describe('sqs-partial-batch/testing builders', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('builds a record shaped like Lambda delivers it', () => {
    const record = sqsRecord({ orderId: 'o-1' });

    expect(record.body).toBe('{"orderId":"o-1"}');
    expect(record.md5OfBody).toBe(createHash('md5').update(record.body).digest('hex'));
    expect(record.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.receiptHandle).not.toBe(sqsRecord('x').receiptHandle);
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(record.eventSource).toBe('aws:sqs');
    expect(record.eventSourceARN).toMatch(/^arn:aws:sqs:[a-z0-9-]+:\d{12}:orders$/);
    expect(sqsRecord('plain').body).toBe('plain');
    expect(sqsRecord('x', { messageId: 'm-1' }).messageId).toBe('m-1');
  });

  it('builds standard and FIFO events', () => {
    const standard = sqsEvent(['a', { b: 1 }]);
    const fifo = sqsEvent(['a', 'b'], { fifo: true, groupId: (i) => `g${i}` });
    const byArn = sqsEvent([sqsRecord('a')], { queueArn: 'arn:aws:sqs:us-east-1:111122223333:q.fifo' });

    expect(standard.Records.map((r) => r.body)).toEqual(['a', '{"b":1}']);
    expect(standard.Records[0]?.attributes.MessageGroupId).toBeUndefined();
    expect(fifo.Records.map((r) => r.attributes.MessageGroupId)).toEqual(['g0', 'g1']);
    expect(fifo.Records[0]?.eventSourceARN.endsWith('.fifo')).toBe(true);
    expect(BigInt(fifo.Records[1]?.attributes.SequenceNumber ?? 0)).toBeGreaterThan(
      BigInt(fifo.Records[0]?.attributes.SequenceNumber ?? 0),
    );
    expect(fifo.Records[0]?.attributes.MessageDeduplicationId).toBeTypeOf('string');
    expect(byArn.Records[0]?.attributes.MessageGroupId).toBe('group-1');
    expect(byArn.Records[0]?.eventSourceARN).toBe('arn:aws:sqs:us-east-1:111122223333:q.fifo');
  });

  it('builds a context whose remaining time counts down', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const context = lambdaContext({ remainingMs: 1000 });

    expect(context.getRemainingTimeInMillis()).toBe(1000);
    vi.advanceTimersByTime(400);
    expect(context.getRemainingTimeInMillis()).toBe(600);
    vi.advanceTimersByTime(4000);
    expect(context.getRemainingTimeInMillis()).toBe(0);
    expect(lambdaContext().getRemainingTimeInMillis()).toBe(30_000);
    expect(context.awsRequestId).not.toBe(lambdaContext().awsRequestId);
  });
});
