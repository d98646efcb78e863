import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { createBatchProcessor, RecordValidationError, type StandardSchemaV1 } from '../../src/index.js';
import { sqsEvent, sqsRecord } from '../helpers/events.js';

const Order = z.object({ orderId: z.string(), amountCents: z.number().int() });

function invalidError(outcome: unknown): RecordValidationError {
  expect(outcome).toMatchObject({ status: 'invalid' });
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(RecordValidationError);
  return error as RecordValidationError;
}

describe('body validation', () => {
  it('hands the schema output to processRecord', async () => {
    const seen: unknown[] = [];
    const processBatch = createBatchProcessor((record) => void seen.push(record.body), {
      schema: Order.transform((order) => ({ ...order, euros: order.amountCents / 100 })),
    });

    await processBatch(sqsEvent([{ orderId: 'o-1', amountCents: 250 }]));

    expect(seen).toEqual([{ orderId: 'o-1', amountCents: 250, euros: 2.5 }]);
  });

  it('fails invalid JSON with a RecordValidationError naming the record, without calling processRecord', async () => {
    const processRecord = vi.fn();
    const processBatch = createBatchProcessor(processRecord, { schema: Order });
    const event = sqsEvent(['{"orderId": "o-1",']);

    const { outcomes, response } = await processBatch(event);

    const error = invalidError(outcomes[0]);
    expect(error.messageId).toBe(event.Records[0]?.messageId);
    expect(error.stage).toBe('json');
    expect(error.code).toBe('RECORD_VALIDATION');
    expect(error.message).toContain(event.Records[0]?.messageId);
    expect(error.message).toContain('JSON');
    expect(error.message).toContain('Unexpected end of input at position 18 (line 1, column 19)');
    // V8's SyntaxError quotes the body, so it is not kept as the cause.
    expect(error.cause).toBeUndefined();
    expect(processRecord).not.toHaveBeenCalled();
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
  });

  it('carries every schema issue, with paths, and says them all in the message', async () => {
    const processRecord = vi.fn();
    const processBatch = createBatchProcessor(processRecord, {
      schema: z.object({ orderId: z.string(), lines: z.array(z.object({ sku: z.string() })), amountCents: z.number() }),
    });

    const { outcomes } = await processBatch(
      sqsEvent([
        { orderId: 7, lines: [{ sku: 'a' }, { sku: 1 }] },
        { orderId: 'ok', lines: [], amountCents: 1 },
      ]),
    );

    const error = invalidError(outcomes[0]);
    expect(error.stage).toBe('schema');
    expect(error.issues.map((issue) => issue.path)).toEqual([['orderId'], ['lines', 1, 'sku'], ['amountCents']]);
    expect(error.message).toMatch(/orderId: .*; lines\[1\]\.sku: .*; amountCents: /);
    expect(outcomes[1]?.status).toBe('succeeded');
    expect(processRecord).toHaveBeenCalledTimes(1);
  });

  it.each<[string, StandardSchemaV1<unknown, { orderId: string }>]>([
    ['zod/mini', zm.object({ orderId: zm.string() })],
    ['valibot', v.object({ orderId: v.string() })],
    ['arktype', type({ orderId: 'string' })],
  ])('accepts any Standard Schema: %s', async (_name, schema) => {
    const ids: string[] = [];
    const processBatch = createBatchProcessor((record) => void ids.push(record.body.orderId), { schema });

    const { outcomes } = await processBatch(sqsEvent([{ orderId: 'a' }, { orderId: 1 }]));

    expect(ids).toEqual(['a']);
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'invalid']);
  });

  it('awaits asynchronous validation', async () => {
    const Known = z.object({ orderId: z.string() }).refine(async (order) => order.orderId !== 'o-404', {
      message: 'unknown order',
      path: ['orderId'],
    });
    const ids: string[] = [];
    const processBatch = createBatchProcessor((record) => void ids.push(record.body.orderId), { schema: Known });

    const { outcomes } = await processBatch(sqsEvent([{ orderId: 'a' }, { orderId: 'o-404' }]));

    expect(ids).toEqual(['a']);
    expect(invalidError(outcomes[1]).issues).toEqual([{ message: 'unknown order', path: ['orderId'] }]);
  });

  it('turns a schema that throws, synchronously or not, into an ordinary failure (retried, never dropped)', async () => {
    const throwing = (async: boolean): StandardSchemaV1<unknown, unknown> => ({
      '~standard': {
        version: 1,
        vendor: 'broken',
        validate: () => {
          if (async) return Promise.reject(new Error('validator crashed'));
          throw new Error('validator crashed');
        },
      },
    });

    for (const async of [false, true]) {
      const processBatch = createBatchProcessor(() => {}, { schema: throwing(async) });
      const { outcomes } = await processBatch(sqsEvent(['{}']));
      expect(outcomes[0]).toMatchObject({ status: 'failed' });
      const error = (outcomes[0] as { error: RecordValidationError }).error;
      expect(error).toBeInstanceOf(RecordValidationError);
      expect(error.stage).toBe('schema');
      // What a schema throws may quote the body: its text is in no message and no cause, only behind `unsafeCause`.
      expect(error.message).toContain('The schema threw an error; its text is not shown');
      expect(error.message).not.toContain('validator crashed');
      expect(error.cause).toBeUndefined();
      expect((error.unsafeCause as Error).message).toBe('validator crashed');
    }
  });

  it('reports a schema that fails with no issues as one generic issue', async () => {
    const schema: StandardSchemaV1<unknown, unknown> = {
      '~standard': { version: 1, vendor: 'odd', validate: () => ({ issues: [] }) },
    };
    const processBatch = createBatchProcessor(() => {}, { schema });

    const { outcomes } = await processBatch(sqsEvent(['{}']));

    expect(invalidError(outcomes[0]).issues).toHaveLength(1);
  });

  it('fails a record whose body is not a string instead of crashing', async () => {
    const record = { ...sqsRecord('x'), body: undefined as unknown as string };
    const processBatch = createBatchProcessor(() => {});

    const { outcomes } = await processBatch({ Records: [record] });

    expect(invalidError(outcomes[0]).stage).toBe('body');
  });
});

describe('envelopes', () => {
  const snsNotification = (message: unknown) => ({
    Type: 'Notification',
    MessageId: 'b2c0e6b6-0000-4000-8000-000000000000',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:orders',
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: '2026-11-27T00:00:00.000Z',
  });

  it('sns: validates the JSON inside Message', async () => {
    const ids: string[] = [];
    const processBatch = createBatchProcessor((record) => void ids.push(record.body.orderId), {
      schema: Order,
      envelope: 'sns',
    });

    const { outcomes } = await processBatch(
      sqsEvent([
        snsNotification({ orderId: 'a', amountCents: 1 }),
        snsNotification({ orderId: 'b' }),
        snsNotification('not json'),
        { orderId: 'c', amountCents: 1 },
      ]),
    );

    expect(ids).toEqual(['a']);
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'invalid', 'invalid', 'invalid']);
    expect(invalidError(outcomes[1]).stage).toBe('schema');
    expect(invalidError(outcomes[2]).issues[0]?.path).toEqual(['Message']);
    expect(invalidError(outcomes[3]).stage).toBe('envelope');
  });

  it('sns without a schema: the body is the Message string', async () => {
    const bodies: string[] = [];
    const processBatch = createBatchProcessor((record) => void bodies.push(record.body), { envelope: 'sns' });

    await processBatch(sqsEvent([snsNotification('plain text')]));

    expect(bodies).toEqual(['plain text']);
  });

  it('eventbridge: validates detail', async () => {
    const ids: string[] = [];
    const processBatch = createBatchProcessor((record) => void ids.push(record.body.orderId), {
      schema: Order,
      envelope: 'eventbridge',
    });
    const event = (detail: unknown) => ({
      version: '0',
      id: 'e-1',
      'detail-type': 'OrderPlaced',
      source: 'shop',
      detail,
    });

    const { outcomes } = await processBatch(
      sqsEvent([
        event({ orderId: 'a', amountCents: 2 }),
        event({ orderId: 'b', amountCents: 'x' }),
        { orderId: 'c' },
        'oops',
      ]),
    );

    expect(ids).toEqual(['a']);
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'invalid', 'invalid', 'invalid']);
    expect(invalidError(outcomes[1]).issues[0]?.path).toEqual(['amountCents']);
    expect(invalidError(outcomes[2]).stage).toBe('envelope');
    expect(invalidError(outcomes[3]).stage).toBe('json');
  });

  it('eventbridge without a schema: the body is the parsed detail', async () => {
    const bodies: unknown[] = [];
    const processBatch = createBatchProcessor((record) => void bodies.push(record.body), { envelope: 'eventbridge' });

    await processBatch(sqsEvent([{ detail: { n: 1 } }]));

    expect(bodies).toEqual([{ n: 1 }]);
  });
});

describe('body edge cases', () => {
  it('fails a null body, and an SNS body that is not JSON, without calling processRecord', async () => {
    const processRecord = vi.fn();
    const processBatch = createBatchProcessor(processRecord, { envelope: 'sns' });
    const nullBody = { ...sqsRecord('x'), body: null as unknown as string };

    const { outcomes } = await processBatch({ Records: [nullBody, sqsRecord('not json')] });

    expect(invalidError(outcomes[0]).message).toContain('got null');
    expect(invalidError(outcomes[1]).stage).toBe('json');
    expect(processRecord).not.toHaveBeenCalled();
  });
});
