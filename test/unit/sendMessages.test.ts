import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBatchProcessor } from '../../src/index.js';
import '../../src/largePayloads/index.js';
import { sendMessages } from '../../src/sqsEntry.js';
import { createFakeSqsClient } from '../../src/testing/index.js';
import { sqsRecord } from '../helpers/events.js';
import { fakeS3 } from '../helpers/fakeS3.js';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const KIB = 1024;

/** The `Entries` of each SendMessageBatch call. */
const entriesOf = (sqs: ReturnType<typeof createFakeSqsClient>) =>
  sqs.callsOf('SendMessageBatch').map((input) => input.Entries as Array<Record<string, unknown>>);

describe('sendMessages', () => {
  it('chunks by 10 entries and by the batch byte limit, keeps order, and answers each message with its MessageId', async () => {
    const sqs = createFakeSqsClient();
    const small = Array.from({ length: 12 }, (_, i) => ({ body: `m-${i}` }));
    const large = [{ body: 'a'.repeat(40 * KIB) }, { body: 'b'.repeat(40 * KIB) }];

    const outcomes = await sendMessages(sqs, QUEUE, [...small, ...large], { maxBatchBytes: 64 * KIB });

    expect(outcomes.map((o) => o.status)).toEqual(Array(14).fill('sent'));
    expect(entriesOf(sqs).map((entries) => entries.length)).toEqual([10, 3, 1]);
    const ids = sqs.sent(QUEUE).map((m) => m.messageId);
    expect(outcomes.map((o) => (o.status === 'sent' ? o.messageId : ''))).toEqual(ids);
    expect(sqs.sent(QUEUE).map((m) => m.body[0])).toEqual([...small.map((m) => m.body[0]), 'a', 'b']);
  });

  it('retries entries SQS lists as failed, a bounded number of times, and reports the rest', async () => {
    const sqs = createFakeSqsClient();
    sqs.fail('SendMessageBatch', { mode: 'fail-entries', entries: 2 });
    const outcomes = await sendMessages(sqs, QUEUE, [{ body: 'a' }, { body: 'b' }, { body: 'c' }], { retryDelayMs: 1 });
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
    expect(entriesOf(sqs).map((entries) => entries.length)).toEqual([3, 2]);

    const stubborn = createFakeSqsClient();
    stubborn.fail('SendMessageBatch', { mode: 'fail-entries' }, 5);
    const failed = await sendMessages(stubborn, QUEUE, [{ body: 'a' }], { attempts: 2, retryDelayMs: 1 });
    expect(failed).toEqual([{ status: 'failed', index: 0, error: expect.stringMatching(/InternalError/) }]);
    expect(stubborn.callsOf('SendMessageBatch')).toHaveLength(2);
  });

  it('does not retry what SQS blames on the sender; retries a call that throws', async () => {
    let calls = 0;
    const client = {
      async send(command: unknown) {
        calls++;
        if (calls === 1) throw new Error('socket hang up');
        const entries = (command as { input: { Entries: Array<{ Id: string }> } }).input.Entries;
        return {
          Successful: [{ Id: entries[0]?.Id, MessageId: 'id-0' }],
          Failed: entries.slice(1).map(({ Id }) => ({ Id, Code: 'InvalidParameterValue', SenderFault: true })),
        };
      },
    };
    const outcomes = await sendMessages(client, QUEUE, [{ body: 'ok' }, { body: 'bad' }], { retryDelayMs: 1 });
    expect(outcomes).toEqual([
      { status: 'sent', index: 0, messageId: 'id-0', offloaded: false },
      { status: 'failed', index: 1, error: expect.stringMatching(/InvalidParameterValue/) },
    ]);
    expect(calls).toBe(2);
  });

  it('FIFO: sends the group and deduplication id of each message', async () => {
    const sqs = createFakeSqsClient();
    await sendMessages(sqs, `${QUEUE}.fifo`, [
      { body: 'a', messageGroupId: 'g-1', messageDeduplicationId: 'd-1' },
      { body: 'b', messageGroupId: 'g-2', messageDeduplicationId: 'd-2' },
    ]);
    expect(entriesOf(sqs)[0]?.map((e) => [e.MessageGroupId, e.MessageDeduplicationId])).toEqual([
      ['g-1', 'd-1'],
      ['g-2', 'd-2'],
    ]);
  });

  it('refuses a message too large without largePayloads, and an empty body, without sending them', async () => {
    const sqs = createFakeSqsClient();
    const outcomes = await sendMessages(sqs, QUEUE, [{ body: 'x'.repeat(2 * KIB) }, { body: '' }, { body: 'ok' }], {
      maxMessageBytes: KIB,
    });
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'sent']);
    expect(sqs.sent(QUEUE).map((m) => m.body)).toEqual(['ok']);
  });

  it('offloads a body over the threshold in the extended-client format, which the reader follows back', async () => {
    const sqs = createFakeSqsClient();
    const s3 = fakeS3();
    const big = JSON.stringify({ orderId: 'o-big', notes: 'n'.repeat(300 * KIB) });
    const small = JSON.stringify({ orderId: 'o-small', notes: 'short' });

    const outcomes = await sendMessages(sqs, QUEUE, [{ body: big }, { body: small }], {
      largePayloads: { s3, bucket: 'payloads' },
    });

    expect(outcomes.map((o) => o.status === 'sent' && o.offloaded)).toEqual([true, false]);
    const [pointer, plain] = sqs.sent(QUEUE);
    const key = s3.calls[0]?.key as string;
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointer?.body).toBe(
      `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"payloads","s3Key":"${key}"}]`,
    );
    expect(pointer?.messageAttributes.ExtendedPayloadSize).toEqual({
      DataType: 'Number',
      StringValue: String(Buffer.byteLength(big)),
    });
    expect(plain?.body).toBe(small);
    expect(s3.objects.get(`payloads/${key}`)).toBe(big);

    const bodies: string[] = [];
    const processBatch = createBatchProcessor((record) => void bodies.push(record.body.orderId), {
      schema: z.object({ orderId: z.string() }),
      logger: false,
      largePayloads: { s3, allowedBuckets: ['payloads'] },
    });
    const { outcomes: read } = await processBatch({
      Records: sqs.sent(QUEUE).map((m) => sqsRecord(m.body, { messageId: m.messageId })),
    });
    expect(read.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    expect(bodies).toEqual(['o-big', 'o-small']);
  });

  it('alwaysThroughS3 offloads every body; keys never collide; a failed put fails only its message', async () => {
    const sqs = createFakeSqsClient();
    const s3 = fakeS3();
    s3.behave = (_command, _bucket, _key) => (s3.calls.length === 3 ? '500' : 'ok');
    const outcomes = await sendMessages(
      sqs,
      QUEUE,
      Array.from({ length: 4 }, (_, i) => ({ body: `tiny-${i}` })),
      { largePayloads: { s3, bucket: 'payloads', alwaysThroughS3: true } },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'failed', 'sent']);
    expect(String((outcomes[2] as { error: string }).error)).toMatch(/could not be put in S3 bucket "payloads"/);
    expect(new Set(s3.calls.map((c) => c.key)).size).toBe(4);
    expect(sqs.sent(QUEUE)).toHaveLength(3);
  });

  it('injects traceparent when a span is active, and not otherwise', async () => {
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const tracer = new BasicTracerProvider().getTracer('producer');
      const sqs = createFakeSqsClient();
      const spanId = await tracer.startActiveSpan('send', async (span) => {
        await sendMessages(sqs, QUEUE, [{ body: 'traced' }]);
        span.end();
        return span.spanContext().spanId;
      });
      await sendMessages(sqs, QUEUE, [{ body: 'untraced' }]);
      const [traced, untraced] = sqs.sent(QUEUE);
      expect(traced?.messageAttributes.traceparent).toMatchObject({
        DataType: 'String',
        StringValue: expect.stringContaining(spanId),
      });
      expect(untraced?.messageAttributes.traceparent).toBeUndefined();
      expect(trace.getActiveSpan()).toBeUndefined();
    } finally {
      context.disable();
      propagation.disable();
    }
  });
});
