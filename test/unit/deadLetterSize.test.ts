/**
 * Dead-letter sends are packed by bytes as well as by count (issue #18,
 * item 6): SQS refuses a `SendMessageBatch` whose messages add up past
 * 1 MiB, body and attributes counted, so two 600 KiB permanent failures
 * must go in two calls. A message no call can carry is reported as such.
 */
import { describe, expect, it, vi } from 'vitest';
import { createBatchProcessor, PermanentError } from '../../src/index.js';
import { sendToQueue } from '../../src/sqs.js';
import { messageBytes, packBySize } from '../../src/sqsBatches.js';
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES } from '../../src/sqsLimits.js';
import { failedIds, sqsEvent, sqsRecord } from '../helpers/events.js';
import { sqsLimitsClient, sqsSize } from '../helpers/sqsLimitsClient.js';

const KIB = 1024;
const permanent = () => {
  throw new PermanentError('unknown sku');
};

describe('dead-letter sends are packed by bytes as well as by count', () => {
  it('two 600 KiB permanent failures go in two calls, and both are dead-lettered', async () => {
    const client = sqsLimitsClient();
    const event = sqsEvent(['a'.repeat(600 * KIB), 'b'.repeat(600 * KIB)]);
    const processBatch = createBatchProcessor(permanent, {
      logger: false,
      onPermanentFailure: 'dead-letter',
      deadLetter: { client, queueUrl: 'https://sqs/dlq' },
    });

    const { outcomes, response } = await processBatch(event);

    expect(outcomes.map((o) => o.status)).toEqual(['dead-lettered', 'dead-lettered']);
    expect(failedIds(response)).toEqual([]);
    expect(client.requests.map((r) => r.entries.length)).toEqual([1, 1]);
    expect(client.accepted.map((m) => m.MessageBody[0])).toEqual(['a', 'b']);
  });

  it('counts message attributes, the dead-letter ones included, toward the size', async () => {
    // Two bodies that fit in one request by themselves (2 x 512 KiB = 1 MiB), but not with their attributes.
    const client = sqsLimitsClient();
    const big = (letter: string) =>
      sqsRecord(letter.repeat(512 * KIB), {
        messageAttributes: {
          tenant: { dataType: 'String', stringValue: 't-1', stringListValues: [], binaryListValues: [] },
        },
      });

    const failed = await sendToQueue(client, 'https://sqs/dlq', [
      { record: big('a'), errorName: 'PermanentError', errorMessage: 'unknown sku' },
      { record: big('b'), errorName: 'PermanentError', errorMessage: 'unknown sku' },
    ]);

    expect(failed.size).toBe(0);
    expect(client.requests.map((r) => r.entries.length)).toEqual([1, 1]);
    for (const request of client.requests) {
      expect(request.entries.reduce((sum, m) => sum + sqsSize(m), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
  });

  it('reports a message no call can carry, without sending it, and still sends the others', async () => {
    const client = sqsLimitsClient();
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const event = sqsEvent(['x'.repeat(MAX_MESSAGE_BYTES), 'small', '']);
    const processBatch = createBatchProcessor(permanent, {
      logger,
      onPermanentFailure: 'dead-letter',
      deadLetter: { client, queueUrl: 'https://sqs/dlq' },
    });

    const { outcomes, response } = await processBatch(event);

    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'dead-lettered', 'failed']);
    expect(failedIds(response)).toEqual([event.Records[0]?.messageId, event.Records[2]?.messageId]);
    expect(client.accepted.map((m) => m.MessageBody)).toEqual(['small']);
    const reasons = logger.error.mock.calls
      .filter(([message]) => String(message).startsWith('Could not send a record to the dead-letter queue'))
      .map(([, attributes]) => attributes);
    expect(reasons).toEqual([
      {
        messageId: event.Records[0]?.messageId,
        error: expect.stringMatching(/^Not sent: the message would be \d+ bytes .*past SQS's limit of 1048576 bytes$/),
      },
      { messageId: event.Records[2]?.messageId, error: 'Not sent: SQS carries only a body that is a non-empty string' },
    ]);
  });

  it('still packs up to 10 small messages per call', async () => {
    const client = sqsLimitsClient();
    const entries = Array.from({ length: 23 }, (_, i) => ({
      record: sqsRecord(`body-${i}`),
      errorName: 'E',
      errorMessage: 'm',
    }));

    const failed = await sendToQueue(client, 'https://sqs/dlq', entries);

    expect(failed.size).toBe(0);
    expect(client.requests.map((r) => r.entries.length)).toEqual([10, 10, 3]);
  });
});

describe('packBySize', () => {
  it('fills each request up to the count and the byte limit, first fit, and sets aside what cannot fit', () => {
    const sizes = [600 * KIB, 600 * KIB, 300 * KIB, MAX_MESSAGE_BYTES + 1, 100, 424 * KIB];

    const { batches, tooLarge } = packBySize(sizes, (size) => size);

    expect(batches).toEqual([
      [600 * KIB, 300 * KIB, 100],
      [600 * KIB, 424 * KIB],
    ]);
    expect(tooLarge).toEqual([{ entry: MAX_MESSAGE_BYTES + 1, bytes: MAX_MESSAGE_BYTES + 1 }]);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(MAX_BATCH_ENTRIES);
      expect(batch.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
  });

  it('counts UTF-8 bytes, attribute names, types and values, binary values by their bytes', () => {
    expect(
      messageBytes('é€', {
        a: { DataType: 'String', StringValue: 'ü' },
        bin: { DataType: 'Binary', BinaryValue: new Uint8Array(5) },
      }),
    ).toBe(2 + 3 + (1 + 6 + 2) + (3 + 6 + 5));
  });
});
