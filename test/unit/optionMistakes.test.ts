import { describe, expect, it } from 'vitest';
import {
  createBatchHandler,
  createBatchProcessor,
  InvalidOptionsError,
  MemoryIdempotencyStore,
  PermanentError,
} from '../../src/index.js';
import { sqsEvent } from '../helpers/events.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq';

/** An SQS client that answers GetQueueUrl and SendMessageBatch as SQS does, and records what it was sent. */
function recordingClient() {
  const calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  return {
    calls,
    async send(command: { constructor: { name: string }; input: unknown }): Promise<unknown> {
      const name = command.constructor.name;
      const input = command.input as Record<string, unknown>;
      calls.push({ name, input });
      if (name === 'GetQueueUrlCommand') {
        return { QueueUrl: `https://sqs.eu-west-1.amazonaws.com/${input.QueueOwnerAWSAccountId}/${input.QueueName}` };
      }
      if (name === 'SendMessageBatchCommand') {
        const entries = input.Entries as Array<{ Id: string }>;
        return {
          Successful: entries.map((e, i) => ({ Id: e.Id, MessageId: `m-${i}`, MD5OfMessageBody: 'x' })),
          Failed: [],
        };
      }
      throw new Error(`unexpected ${name}`);
    },
  };
}

describe('deadLetter.queueUrl', () => {
  it('accepts a queue ARN and sends to the URL GetQueueUrl answers', async () => {
    const client = recordingClient();
    const processor = createBatchProcessor(
      (record) => {
        if (record.body === 'poison') throw new PermanentError('never');
      },
      { onPermanentFailure: 'dead-letter', deadLetter: { client, queueUrl: QUEUE_ARN } },
    );

    const result = await processor(sqsEvent(['ok', 'poison']));

    expect(result.outcomes.map((o) => o.status)).toEqual(['succeeded', 'dead-lettered']);
    expect(client.calls.map((c) => c.name)).toEqual(['GetQueueUrlCommand', 'SendMessageBatchCommand']);
    expect(client.calls[0]?.input).toEqual({ QueueName: 'orders-dlq', QueueOwnerAWSAccountId: '123456789012' });
    expect(client.calls[1]?.input.QueueUrl).toBe(QUEUE_URL);
  });

  it.each([
    ['a bare queue name', 'orders-dlq', 'to be a queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>'],
    ['a Lambda ARN', 'arn:aws:lambda:eu-west-1:123456789012:function:f', 'or an SQS queue ARN'],
    ['an ARN without an account', 'arn:aws:sqs:eu-west-1::orders-dlq', 'or an SQS queue ARN'],
    ['a URL without a path', 'https://sqs.eu-west-1.amazonaws.com', 'to be a queue URL'],
  ])('refuses %s at creation, with the forms it takes', (_label, queueUrl, message) => {
    const create = () =>
      createBatchHandler(() => {}, {
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: recordingClient(), queueUrl },
      });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(message);
  });

  it('accepts a local emulator URL', () => {
    expect(() =>
      createBatchHandler(() => {}, {
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: recordingClient(), queueUrl: 'http://localhost:4566/000000000000/dlq' },
      }),
    ).not.toThrow();
  });
});

describe('backoff seconds', () => {
  it.each([
    ['maxSeconds', { maxSeconds: 50_000 }, '`backoff.maxSeconds` to be at most 43200'],
    ['baseSeconds', { baseSeconds: 43_201 }, '`backoff.baseSeconds` to be at most 43200'],
  ])('refuses %s over the 12-hour visibility limit instead of clamping it', (_label, seconds, message) => {
    const create = () => createBatchHandler(() => {}, { backoff: { client: recordingClient(), ...seconds } });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(message);
  });

  it('accepts exactly 43,200', () => {
    expect(() =>
      createBatchHandler(() => {}, { backoff: { client: recordingClient(), maxSeconds: 43_200 } }),
    ).not.toThrow();
  });
});

describe('idempotency given the store itself', () => {
  it('says `did you mean idempotency: { store }?`, not an internal field name', () => {
    const store = new MemoryIdempotencyStore();
    const create = () => createBatchHandler(() => {}, { idempotency: store as never });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow('did you mean `idempotency: { store }`?');
    expect(create).not.toThrow('Unknown option');
  });

  it('says the same for a store written as a plain object', () => {
    const store = { claim: async () => [], complete: async () => {}, release: async () => {} };
    expect(() => createBatchHandler(() => {}, { idempotency: store as never })).toThrow(
      'did you mean `idempotency: { store }`?',
    );
  });
});

describe('throw undefined', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
  ])('is logged with an error field that describes %s', async (label, thrown) => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error(message: string, attributes?: Record<string, unknown>) {
        lines.push({ message, ...attributes });
      },
    };
    const processor = createBatchProcessor(
      async (record) => {
        if (record.body === 'bad') throw thrown;
      },
      { logger },
    );

    await processor(sqsEvent(['ok', 'bad']));

    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toBe('Record failed');
    expect(lines[0]?.error).toBe(
      `\`${label}\` was thrown (or a promise rejected with it); throw an Error to say why the record failed`,
    );
  });
});

describe('an option read from an unset environment variable', () => {
  it('fails at creation with one short line that names the option', () => {
    const queueUrl = process.env.SQS_PARTIAL_BATCH_TEST_UNSET_DLQ_URL as string;
    let message = '';
    try {
      createBatchHandler(() => {}, {
        onPermanentFailure: 'dead-letter',
        deadLetter: { client: recordingClient(), queueUrl },
      });
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionsError);
      message = (error as Error).message;
    }
    expect(message).toBe('Expected `deadLetter.queueUrl` to be a queue URL, got `undefined` (undefined)');
    expect(message.split('\n')).toHaveLength(1);
  });
});
