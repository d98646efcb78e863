import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createBatchHandler,
  createBatchProcessor,
  MemoryIdempotencyStore,
  PermanentError,
  RecordValidationError,
} from '../../src/index.js';
import { LargePayloadError } from '../../src/largePayloads/index.js';
import { createFakeSqsClient, createMetricsRecorder } from '../../src/testing/index.js';
import { lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.js';
import { fakeS3, javaPointer } from '../helpers/fakeS3.js';

const BUCKET = 'payloads';
const Order = z.object({ orderId: z.string(), lines: z.array(z.string()) });
const order = (orderId: string) => JSON.stringify({ orderId, lines: ['x'.repeat(300)] });

/** A logger that keeps every line as JSON text. */
function recordingLogger() {
  const lines: string[] = [];
  const write = (message: string, attributes?: unknown) => {
    lines.push(
      JSON.stringify({ message, attributes }, (_k, v) => (v instanceof Error ? { ...v, message: v.message } : v)),
    );
  };
  return { lines, logger: { debug: write, info: write, warn: write, error: write } };
}

describe('largePayloads: reading offloaded bodies', () => {
  it('reads pointers in both class names; the schema and processRecord see the real body, raw stays the SQS record', async () => {
    const s3 = fakeS3({ [`${BUCKET}/k-new`]: order('o-1'), [`${BUCKET}/k-old`]: order('o-2') });
    const seen: Array<{ orderId: string; raw: string }> = [];
    const processBatch = createBatchProcessor(
      (record) => {
        seen.push({ orderId: record.body.orderId, raw: record.raw.body });
      },
      { schema: Order, logger: false, largePayloads: { s3, allowedBuckets: [BUCKET] } },
    );
    const event = sqsEvent([javaPointer(BUCKET, 'k-new'), javaPointer(BUCKET, 'k-old', true), order('o-3')]);

    const { outcomes } = await processBatch(event);

    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(seen).toEqual([
      { orderId: 'o-1', raw: javaPointer(BUCKET, 'k-new') },
      { orderId: 'o-2', raw: javaPointer(BUCKET, 'k-old', true) },
      { orderId: 'o-3', raw: order('o-3') },
    ]);
    expect(s3.calls.map((c) => c.command)).toEqual(['GetObjectCommand', 'GetObjectCommand']);
  });

  it('reads a pointer inside an SNS notification (raw delivery off)', async () => {
    const s3 = fakeS3({ [`${BUCKET}/k`]: order('o-sns') });
    const notification = JSON.stringify({ Type: 'Notification', Message: javaPointer(BUCKET, 'k') });
    const bodies: unknown[] = [];
    const processBatch = createBatchProcessor((record) => void bodies.push(record.body), {
      schema: Order,
      envelope: 'sns',
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });

    const { outcomes } = await processBatch(sqsEvent([notification]));

    expect(outcomes[0]?.status).toBe('succeeded');
    expect(bodies).toEqual([JSON.parse(order('o-sns'))]);
  });

  it('without a schema, record.body is the fetched text', async () => {
    const s3 = fakeS3({ [`${BUCKET}/k`]: 'plain text, ünïcode' });
    const bodies: unknown[] = [];
    const processBatch = createBatchProcessor((record) => void bodies.push(record.body), {
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    await processBatch(sqsEvent([javaPointer(BUCKET, 'k')]));
    expect(bodies).toEqual(['plain text, ünïcode']);
  });

  it('a bucket not allowed is never fetched; malformed pointers, missing, oversized and non-UTF-8 objects are invalid', async () => {
    const s3 = fakeS3({
      [`${BUCKET}/big`]: 'x'.repeat(2000),
      [`${BUCKET}/latin1`]: new Uint8Array([0xff, 0xfe, 0x41]),
    });
    s3.behave = (_command, _bucket, key) =>
      key === 'endless' ? 'endless' : key === 'claims-huge' ? 'huge-length' : 'ok';
    const processBatch = createBatchProcessor(() => {}, {
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET], maxBytes: 1000 },
    });
    const malformed = [
      '["software.amazon.payloadoffloading.PayloadS3Pointer"]',
      `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"${BUCKET}"}]`,
      `["com.amazon.sqs.javamessaging.MessageS3Pointer",{"s3BucketName":"${BUCKET}","s3Key":7}]`,
      `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"${BUCKET}","s3Key":"k"},1]`,
    ];
    const event = sqsEvent([
      javaPointer('attacker-bucket', 'k'),
      ...malformed,
      javaPointer(BUCKET, 'gone'),
      javaPointer(BUCKET, 'big'),
      javaPointer(BUCKET, 'claims-huge'),
      javaPointer(BUCKET, 'endless'),
      javaPointer(BUCKET, 'latin1'),
    ]);

    const { outcomes } = await processBatch(event);

    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('invalid'));
    for (const outcome of outcomes) {
      const error = (outcome as { error: RecordValidationError }).error;
      expect(error).toBeInstanceOf(RecordValidationError);
      expect(error.stage).toBe('payload');
    }
    expect(s3.calls.some((c) => c.bucket === 'attacker-bucket')).toBe(false);
    expect(String((outcomes[0] as { error: Error }).error.message)).toMatch(/not in `largePayloads.allowedBuckets`/);
    expect(String((outcomes[5] as { error: Error }).error.message)).toMatch(/does not exist/);
    expect(String((outcomes[6] as { error: Error }).error.message)).toMatch(
      /2000 bytes, past `largePayloads.maxBytes` \(1000\)/,
    );
    expect(String((outcomes[9] as { error: Error }).error.message)).toMatch(/not UTF-8/);
  });

  it('an endless body is not read past maxBytes', async () => {
    const s3 = fakeS3();
    let reply: { served: number } | undefined;
    const send = s3.send.bind(s3);
    s3.behave = () => 'endless';
    s3.send = async (command, options) => {
      reply = (await send(command, options)) as { served: number };
      return reply;
    };
    const processBatch = createBatchProcessor(() => {}, {
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET], maxBytes: 100_000 },
    });

    const { outcomes } = await processBatch(sqsEvent([javaPointer(BUCKET, 'endless')]));

    expect(outcomes[0]?.status).toBe('invalid');
    // 64 KiB chunks: two reach past 100,000 bytes; the stream may buffer a few more, never many.
    expect(reply?.served).toBeLessThan(8);
  });

  it('a body that looks like JSON but is no pointer is left alone', async () => {
    const s3 = fakeS3();
    const bodies: unknown[] = [];
    const processBatch = createBatchProcessor((record) => void bodies.push(record.body), {
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    const lookalikes = ['["S3Pointer", 1]', '{"note":"PayloadS3Pointer"}', '[S3Pointer', '["x","S3Pointer"]'];
    const { outcomes } = await processBatch(sqsEvent(lookalikes));
    expect(outcomes.map((o) => o.status)).toEqual(Array(4).fill('succeeded'));
    expect(bodies).toEqual(lookalikes);
    expect(s3.calls).toEqual([]);
  });

  it.each(['403', '500', 'throw', 'garbage', 'no-body', 'not-bytes', 'reject-later'] as const)(
    'S3 answering %s fails the record (retried), with no key in the message',
    async (behaviour) => {
      const s3 = fakeS3({ [`${BUCKET}/secret-key`]: order('o') });
      s3.behave = () => behaviour;
      const processBatch = createBatchProcessor(() => {}, {
        logger: false,
        largePayloads: { s3, allowedBuckets: [BUCKET] },
      });

      const { outcomes, response } = await processBatch(sqsEvent([javaPointer(BUCKET, 'secret-key')]));

      expect(outcomes[0]?.status).toBe('failed');
      const error = (outcomes[0] as { error: LargePayloadError }).error;
      expect(error).toBeInstanceOf(LargePayloadError);
      expect(error.bucket).toBe(BUCKET);
      expect(error.message).not.toMatch(/secret-key/);
      expect(response.batchItemFailures).toHaveLength(1);
    },
  );

  it('a hanging S3 fails the record once timeoutMs passes, and the call is aborted', async () => {
    const s3 = fakeS3();
    s3.behave = () => 'hang';
    const processBatch = createBatchProcessor(() => {}, {
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET], timeoutMs: 20 },
    });
    const { outcomes } = await processBatch(sqsEvent([javaPointer(BUCKET, 'k')]));
    expect(outcomes[0]?.status).toBe('failed');
    expect(String((outcomes[0] as { error: Error }).error.message)).toMatch(/did not answer within 20 ms/);
  });

  it('a hanging S3 is cut off by the Lambda deadline: the handler answers, the record is reported', async () => {
    const s3 = fakeS3();
    s3.behave = () => 'hang';
    let remaining = 1020;
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => remaining };
    const handler = createBatchHandler(() => {}, {
      logger: false,
      timeoutMarginMs: 1000,
      throwOnFullBatchFailure: false,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    const event = sqsEvent([javaPointer(BUCKET, 'k'), 'plain']);
    const answer = handler(event, context);
    await new Promise((resolve) => setImmediate(resolve));
    remaining = 900; // time runs out while the fetch hangs
    const response = await answer;
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toContain(event.Records[0]?.messageId);
  });

  it('fetches run within concurrency, also when idempotency reads every body first', async () => {
    const objects = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`${BUCKET}/k${i}`, order(`o-${i}`)]));
    for (const idempotency of [undefined, { store: new MemoryIdempotencyStore() }]) {
      const s3 = fakeS3(objects);
      const processBatch = createBatchProcessor(() => {}, {
        logger: false,
        concurrency: 3,
        idempotency,
        largePayloads: { s3, allowedBuckets: [BUCKET] },
      });
      const { outcomes } = await processBatch(
        sqsEvent(Array.from({ length: 12 }, (_, i) => javaPointer(BUCKET, `k${i}`))),
      );
      expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);
      expect(s3.peak).toBeLessThanOrEqual(3);
    }
  });

  it('counts RecordsOffloaded; the Records* counts still sum to BatchSize', async () => {
    const s3 = fakeS3({ [`${BUCKET}/k`]: order('o') });
    const metrics = createMetricsRecorder();
    const processBatch = createBatchProcessor(() => {}, {
      logger: false,
      metrics,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    await processBatch(sqsEvent([javaPointer(BUCKET, 'k'), 'plain', javaPointer('other', 'k')]));
    const values = metrics.invocations.at(-1)?.metrics;
    expect(values?.RecordsOffloaded).toBe(1);
    expect((values?.RecordsSucceeded ?? 0) + (values?.RecordsInvalid ?? 0)).toBe(values?.BatchSize);
  });

  it('dead-letters the pointer message unchanged, with its attributes', async () => {
    const s3 = fakeS3({ [`${BUCKET}/k`]: order('o') });
    const client = createFakeSqsClient();
    const pointer = javaPointer(BUCKET, 'k');
    const record = sqsRecord(pointer, {
      messageAttributes: {
        ExtendedPayloadSize: { dataType: 'Number', stringValue: '312', stringListValues: [], binaryListValues: [] },
      },
    });
    const processBatch = createBatchProcessor(
      () => {
        throw new PermanentError('unknown order');
      },
      {
        logger: false,
        onPermanentFailure: 'dead-letter',
        deadLetter: { client, queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq' },
        largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true },
      },
    );

    const { outcomes } = await processBatch({ Records: [record] });

    expect(outcomes[0]?.status).toBe('dead-lettered');
    const [sent] = client.sent('https://sqs.eu-west-1.amazonaws.com/123456789012/dlq');
    expect(sent?.body).toBe(pointer);
    expect(sent?.messageAttributes.ExtendedPayloadSize).toEqual({ DataType: 'Number', StringValue: '312' });
    expect(s3.deleted).toEqual([]);
  });

  it('no object content and no key reach a log line', async () => {
    const s3 = fakeS3({ [`${BUCKET}/key-123`]: '{"card":"4111-SECRET"}' });
    s3.behave = (command, _bucket, key) => (command === 'DeleteObjectCommand' || key === 'key-500' ? '500' : 'ok');
    const { lines, logger } = recordingLogger();
    const processBatch = createBatchProcessor(
      () => {
        throw new Error('nope');
      },
      {
        logger,
        schema: z.object({ card: z.number() }),
        largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true },
      },
    );
    await processBatch(
      sqsEvent([javaPointer(BUCKET, 'key-123'), javaPointer(BUCKET, 'key-500'), javaPointer(BUCKET, 'key-404')]),
    );
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/4111|SECRET|key-123|key-500|key-404/);
  });
});

describe('largePayloads: deleteAfterSuccess', () => {
  it('deletes only the objects of records that succeeded, and keeps one a failed record shares', async () => {
    const s3 = fakeS3({
      [`${BUCKET}/ok`]: 'ok',
      [`${BUCKET}/fails`]: 'fails',
      [`${BUCKET}/shared`]: 'ok',
      [`${BUCKET}/permanent`]: 'drop',
    });
    const processBatch = createBatchProcessor(
      (record) => {
        if (record.body === 'fails') throw new Error('no');
        if (record.body === 'drop') throw new PermanentError('never');
        if (record.messageId === 'shared-fails') throw new Error('no');
      },
      {
        logger: false,
        onPermanentFailure: 'drop',
        largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true },
      },
    );
    const event = {
      Records: [
        sqsRecord(javaPointer(BUCKET, 'ok')),
        sqsRecord(javaPointer(BUCKET, 'fails')),
        sqsRecord(javaPointer(BUCKET, 'shared')),
        sqsRecord(javaPointer(BUCKET, 'shared'), { messageId: 'shared-fails' }),
        sqsRecord(javaPointer(BUCKET, 'permanent')),
        sqsRecord(javaPointer(BUCKET, 'gone')),
      ],
    };

    const { outcomes } = await processBatch(event);

    // The missing object is invalid, then dropped like any permanent failure: neither deletes anything.
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'failed', 'succeeded', 'failed', 'dropped', 'dropped']);
    expect(s3.deleted).toEqual([`${BUCKET}/ok`]);
  });

  it('the handler (which shares one success outcome) deletes by position', async () => {
    const s3 = fakeS3({ [`${BUCKET}/a`]: 'a', [`${BUCKET}/b`]: 'b' });
    const handler = createBatchHandler(
      (record) => {
        if (record.body === 'b') throw new Error('no');
      },
      { logger: false, largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true } },
    );
    await handler(sqsEvent([javaPointer(BUCKET, 'a'), javaPointer(BUCKET, 'b')]));
    expect(s3.deleted).toEqual([`${BUCKET}/a`]);
  });

  it('off by default', async () => {
    const s3 = fakeS3({ [`${BUCKET}/a`]: 'a' });
    const processBatch = createBatchProcessor(() => {}, {
      logger: false,
      largePayloads: { s3, allowedBuckets: [BUCKET] },
    });
    await processBatch(sqsEvent([javaPointer(BUCKET, 'a')]));
    expect(s3.calls.map((c) => c.command)).toEqual(['GetObjectCommand']);
  });

  it('a failed delete is logged, and the record still succeeds', async () => {
    const s3 = fakeS3({ [`${BUCKET}/a`]: 'a' });
    s3.behave = (command) => (command === 'DeleteObjectCommand' ? '403' : 'ok');
    const { lines, logger } = recordingLogger();
    const processBatch = createBatchProcessor(() => {}, {
      logger,
      largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true },
    });
    const { outcomes } = await processBatch(sqsEvent([javaPointer(BUCKET, 'a')]));
    expect(outcomes[0]?.status).toBe('succeeded');
    expect(lines.join('\n')).toMatch(/Could not delete a large payload object.*AccessDenied \(HTTP 403\)/);
  });

  it('with idempotency: deletes after the completion is written, never when it is not', async () => {
    for (const completes of [true, false]) {
      const s3 = fakeS3({ [`${BUCKET}/a`]: 'a' });
      const store = new MemoryIdempotencyStore();
      const order: string[] = [];
      const complete = store.complete.bind(store);
      store.complete = async (...args) => {
        order.push('complete');
        if (!completes) throw new Error('store down');
        return complete(...args);
      };
      const send = s3.send.bind(s3);
      s3.send = (command, options) => {
        order.push((command as { constructor: { name: string } }).constructor.name);
        return send(command, options);
      };
      const processBatch = createBatchProcessor(() => {}, {
        logger: false,
        idempotency: { store },
        largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true },
      });
      await processBatch(sqsEvent([javaPointer(BUCKET, 'a')]));
      expect(order).toEqual(
        completes ? ['GetObjectCommand', 'complete', 'DeleteObjectCommand'] : ['GetObjectCommand', 'complete'],
      );
    }
  });

  it('with idempotency: a redelivered duplicate whose first run deleted the object is a duplicate; a fresh missing object is invalid', async () => {
    const s3 = fakeS3({ [`${BUCKET}/a`]: 'a' });
    const store = new MemoryIdempotencyStore();
    const processBatch = createBatchProcessor(() => {}, {
      logger: false,
      idempotency: { store },
      largePayloads: { s3, allowedBuckets: [BUCKET], deleteAfterSuccess: true },
    });
    const first = sqsRecord(javaPointer(BUCKET, 'a'), { messageId: 'm-1' });
    expect((await processBatch({ Records: [first] })).outcomes[0]?.status).toBe('succeeded');
    expect(s3.deleted).toEqual([`${BUCKET}/a`]);

    const again = await processBatch({
      Records: [first, sqsRecord(javaPointer(BUCKET, 'never'), { messageId: 'm-2' })],
    });

    expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate', 'invalid']);
    expect(s3.deleted).toEqual([`${BUCKET}/a`]);
    // The fresh record's claim was given back: its key is free.
    const [claim] = await store.claim(
      [{ key: 'm-2', token: 't', inProgressUntil: Date.now() + 1000, payloadHash: undefined }],
      Date.now(),
    );
    expect(claim?.status).toBe('claimed');
  });
});

describe('largePayloads: option checks', () => {
  it.each([
    [{}, /Expected `largePayloads.allowedBuckets` to be a non-empty array/],
    [{ allowedBuckets: [] }, /non-empty array of bucket names/],
    [{ allowedBuckets: [''] }, /non-empty array of bucket names/],
    [{ allowedBuckets: ['b'], maxBytes: 0 }, /`largePayloads.maxBytes` to be an integer > 0, got `0`/],
    [{ allowedBuckets: ['b'], timeoutMs: 1.5 }, /`largePayloads.timeoutMs` to be an integer > 0/],
    [{ allowedBuckets: ['b'], deleteAfterSucess: true }, /did you mean `largePayloads.deleteAfterSuccess`/],
    [{ allowedBuckets: ['b'], s3: {} }, /`largePayloads.s3` to be an S3Client/],
    [{ allowedBuckets: ['b'], deleteAfterSuccess: 'yes' }, /`largePayloads.deleteAfterSuccess` to be a boolean/],
    ['payloads', /Expected `largePayloads` to be an object/],
  ])('refuses %j', (largePayloads, message) => {
    expect(() => createBatchHandler(() => {}, { largePayloads } as never)).toThrow(message);
  });
});
