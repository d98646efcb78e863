import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createBatchHandler,
  createBatchProcessor,
  InvalidOptionsError,
  METRIC_NAMES,
  MemoryIdempotencyStore,
  PermanentError,
} from '../../src/index.js';
import { lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.js';
import { captureOutput } from '../helpers/stdout.js';

const RECORD_METRICS = [
  'RecordsSucceeded',
  'RecordsFailed',
  'RecordsInvalid',
  'RecordsNotRun',
  'RecordsDuplicate',
  'RecordsDeadLettered',
  'RecordsDropped',
];

let output: ReturnType<typeof captureOutput> | undefined;
afterEach(() => output?.restore());

/** EMF documents written since the capture began. */
function documents(): Array<
  Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: Array<Record<string, unknown>> } }
> {
  return (output?.stdout ?? []).map((line) => JSON.parse(line)).filter((doc) => '_aws' in doc);
}

describe('metrics: CloudWatch Embedded Metric Format', () => {
  it('writes exactly one valid EMF document per invocation, whose counts match the response', async () => {
    const Order = z.object({ orderId: z.string() });
    const store = new MemoryIdempotencyStore();
    const handler = createBatchHandler(
      (record) => {
        if (record.body.orderId === 'fail') throw new Error('declined');
        if (record.body.orderId === 'gone') throw new PermanentError('unknown order');
      },
      {
        schema: Order,
        idempotency: { store, key: (record) => record.body.orderId },
        onPermanentFailure: 'drop',
        metrics: { namespace: 'Orders', dimensions: { Service: 'checkout' } },
        logger: false,
      },
    );
    const sentAt = Date.now() - 60_000;
    const event = sqsEvent(
      [
        sqsRecord({ orderId: 'ok-1' }),
        sqsRecord({ orderId: 'ok-1' }),
        sqsRecord({ orderId: 'fail' }),
        sqsRecord('not json', {
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(sentAt),
            SenderId: 'x',
            ApproximateFirstReceiveTimestamp: String(sentAt),
          },
        }),
        sqsRecord({ orderId: 'gone' }),
      ],
      { queueArn: 'arn:aws:sqs:eu-west-1:123456789012:orders-queue' },
    );
    output = captureOutput();

    const response = await handler(event, lambdaContext({ remainingMs: 10_000 }));

    const docs = documents();
    expect(docs).toHaveLength(1);
    const doc = docs[0] as (typeof docs)[number];
    const [directive] = doc._aws.CloudWatchMetrics;
    expect(directive).toEqual({
      Namespace: 'Orders',
      Dimensions: [['QueueName', 'Service']],
      Metrics: expect.arrayContaining([...RECORD_METRICS, 'BatchSize'].map((name) => ({ Name: name, Unit: 'Count' }))),
    });
    expect(directive?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'BatchDuration', Unit: 'Milliseconds' },
        { Name: 'OldestRecordAge', Unit: 'Milliseconds' },
      ]),
    );
    expect(typeof doc._aws.Timestamp).toBe('number');
    expect(doc).toMatchObject({
      QueueName: 'orders-queue',
      Service: 'checkout',
      RecordsSucceeded: 1,
      RecordsDuplicate: 1,
      RecordsFailed: 1,
      RecordsInvalid: 0, // dropped: its final outcome counts
      RecordsDropped: 2,
      RecordsNotRun: 0,
      RecordsDeadLettered: 0,
      BatchSize: 5,
      InvalidBodies: 1, // the bad JSON, dropped; not the PermanentError
    });
    expect(doc.OldestRecordAge as number).toBeGreaterThanOrEqual(60_000);
    expect(doc.BatchDuration as number).toBeGreaterThanOrEqual(0);
    const sum = RECORD_METRICS.reduce((total, name) => total + (doc[name] as number), 0);
    expect(sum).toBe(doc.BatchSize);
    expect(response.batchItemFailures).toHaveLength(doc.RecordsFailed as number);
  });

  it('counts records not run (FIFO stop) and writes a document even when the handler throws for a full failure', async () => {
    const handler = createBatchHandler(
      () => {
        throw new Error('down');
      },
      { metrics: { namespace: 'Orders' }, logger: false },
    );
    output = captureOutput();

    await expect(handler(sqsEvent(['a', 'b', 'c'], { fifo: true }))).rejects.toThrow('All 3 records');

    const [doc] = documents();
    expect(doc).toMatchObject({ RecordsFailed: 1, RecordsNotRun: 2, BatchSize: 3, QueueName: 'orders.fifo' });
    expect(doc?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['QueueName']]);
  });

  it('writes one document per invocation, one line each, also under concurrent invocations', async () => {
    const handler = createBatchProcessor(async () => {}, { metrics: { namespace: 'Orders' }, concurrency: 4 });
    output = captureOutput();

    await Promise.all([handler(sqsEvent(['a'])), handler(sqsEvent(['b', 'c'])), handler(sqsEvent(['d', 'e', 'f']))]);

    expect(
      documents()
        .map((doc) => doc.BatchSize)
        .sort(),
    ).toEqual([1, 2, 3]);
  });

  it('checks the option at creation', () => {
    const make = (metrics: unknown) => () => createBatchHandler(() => {}, { metrics: metrics as never });
    expect(make('Orders')).toThrow(InvalidOptionsError);
    expect(make({})).toThrow(
      'Expected `metrics.namespace` to be a CloudWatch namespace (1 to 255 printable ASCII characters, not blank, not starting with `AWS/`), got `undefined` (undefined)',
    );
    expect(make({ namespace: 'O', dimension: {} })).toThrow(
      'Unknown option `metrics.dimension` (did you mean `metrics.dimensions`?)',
    );
    expect(make({ namespace: 'O', dimensions: { Service: 1 } })).toThrow(
      'Expected `metrics.dimensions.Service` to be a CloudWatch dimension value (1 to 1,024 printable ASCII characters, not blank), got `1` (number)',
    );
    expect(make({ namespace: 'O', dimensions: { QueueName: 'x' } })).toThrow('set by the handler');
    expect(
      make({ namespace: 'O', dimensions: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i}`, 'v'])) }),
    ).toThrow('at most 29');
  });

  it.each([
    { policy: 'retry', status: 'RecordsInvalid' },
    { policy: 'dead-letter', status: 'RecordsDeadLettered' },
    { policy: 'drop', status: 'RecordsDropped' },
  ] as const)(
    'counts invalid bodies in InvalidBodies whatever the failure policy ($policy)',
    async ({ policy, status }) => {
      const client = {
        async send(command: { input: { Entries?: Array<{ Id: string }> } }) {
          const entries = command.input.Entries ?? [];
          return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })) };
        },
      };
      const processor = createBatchProcessor(
        (record) => {
          if (record.body.n === 2) throw new PermanentError('not this one');
        },
        {
          schema: z.object({ n: z.number() }),
          onPermanentFailure: policy,
          ...(policy === 'dead-letter' ? { deadLetter: { client, queueUrl: 'https://sqs.example/dlq' } } : {}),
          metrics: { namespace: 'Orders' },
          logger: false,
        },
      );
      output = captureOutput();

      await processor(sqsEvent([sqsRecord({ n: 1 }), sqsRecord('{bad'), sqsRecord({ n: 'x' }), sqsRecord({ n: 2 })]));

      const [doc] = documents();
      expect(doc?.InvalidBodies).toBe(2);
      // The final-outcome counts still add up: the two invalid bodies, plus the PermanentError unless it is retried.
      expect(doc?.[status]).toBe(policy === 'retry' ? 2 : 3);
      const sum = RECORD_METRICS.reduce((total, name) => total + (doc?.[name] as number), 0);
      expect(sum).toBe(doc?.BatchSize);
    },
  );

  it('names are exported', () => {
    expect(METRIC_NAMES.failed).toBe('RecordsFailed');
    expect(METRIC_NAMES.skipped).toBe('RecordsNotRun');
  });
});

describe('metrics: a Powertools Metrics instance', () => {
  it("adds the handler's metrics to the instance, so they go out in the same document as the function's own", async () => {
    const metrics = new Metrics({ namespace: 'Orders', serviceName: 'checkout' });
    const handler = createBatchHandler(
      (record) => {
        metrics.addMetric('OrdersCharged', 'Count', 1);
        if (record.body === 'bad') throw new Error('declined');
      },
      { metrics, logger: false },
    );
    output = captureOutput();

    await handler(sqsEvent(['ok', 'ok', 'bad']), lambdaContext());

    const docs = documents();
    expect(docs).toHaveLength(1);
    const [doc] = docs;
    expect(doc).toMatchObject({
      OrdersCharged: [1, 1, 1],
      RecordsSucceeded: 2,
      RecordsFailed: 1,
      BatchSize: 3,
      QueueName: 'orders',
      service: 'checkout',
    });
    const names = ((doc?._aws.CloudWatchMetrics[0]?.Metrics ?? []) as Array<{ Name: string }>).map((m) => m.Name);
    expect(names).toEqual(expect.arrayContaining(['OrdersCharged', ...RECORD_METRICS, 'BatchSize', 'BatchDuration']));
  });

  it('a broken sink never costs a record', async () => {
    const sink = {
      addMetric() {
        throw new Error('sink down');
      },
    };
    const handler = createBatchHandler(() => {}, { metrics: sink, logger: false });

    expect(await handler(sqsEvent(['a']))).toEqual({ batchItemFailures: [] });
  });
});
