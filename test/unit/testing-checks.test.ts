import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/index.js';
import { lambdaContext, QueueSimulator, sqsEvent, sqsRecord } from '../../src/testing/index.js';

/** Asserts that `build` throws `InvalidOptionsError` with exactly `message`. */
function expectInvalid(build: () => unknown, message: string | RegExp): void {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidOptionsError);
  if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
  else expect((thrown as Error).message).toMatch(message);
}

describe('QueueSimulator options are checked like the core options', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['batchSize 0', { batchSize: 0 }, 'Expected `batchSize` to be an integer from 1 to 10000, got `0` (number)'],
    ['batchSize 2.5', { batchSize: 2.5 }, 'Expected `batchSize` to be an integer from 1 to 10000, got `2.5` (number)'],
    [
      'a FIFO batchSize above 10',
      { fifo: true, batchSize: 20 },
      'Expected `batchSize` to be an integer from 1 to 10 on a FIFO queue, got `20` (number)',
    ],
    [
      'a batchSize above 10 without a batching window',
      { batchSize: 100 },
      'Expected `batchWindowSeconds` to be at least 1 with a `batchSize` above 10 (100), got `0` (number): Lambda requires a batching window for batches larger than 10',
    ],
    [
      'a batching window on a FIFO queue',
      { fifo: true, batchWindowSeconds: 2 },
      'Expected `batchWindowSeconds` to be 0 on a FIFO queue (Lambda supports no batching window there), got `2` (number)',
    ],
    [
      'batchWindowSeconds 301',
      { batchWindowSeconds: 301 },
      'Expected `batchWindowSeconds` to be an integer from 0 to 300, got `301` (number)',
    ],
    ['duplicateRate 2', { duplicateRate: 2 }, 'Expected `duplicateRate` to be a number from 0 to 1, got `2` (number)'],
    [
      'duplicateRate NaN',
      { duplicateRate: Number.NaN },
      'Expected `duplicateRate` to be a number from 0 to 1, got `NaN` (number)',
    ],
    [
      'duplicates on a FIFO queue',
      { fifo: true, duplicateRate: 0.1 },
      'Expected `duplicateRate` to be 0 on a FIFO queue (FIFO queues deliver no duplicates), got `0.1` (number)',
    ],
    ['crashRate -0.1', { crashRate: -0.1 }, 'Expected `crashRate` to be a number from 0 to 1, got `-0.1` (number)'],
    [
      'a visibility timeout shorter than the function timeout',
      { visibilityTimeoutSeconds: 10, functionTimeoutSeconds: 15 },
      "Expected `visibilityTimeoutSeconds` to be at least `functionTimeoutSeconds` (15), got `10` (number): Lambda refuses an event source mapping whose queue's visibility timeout is shorter than the function timeout",
    ],
    [
      'a visibility timeout shorter than the default function timeout',
      { visibilityTimeoutSeconds: 10 },
      "Expected `visibilityTimeoutSeconds` to be at least `functionTimeoutSeconds` (30, the default), got `10` (number): Lambda refuses an event source mapping whose queue's visibility timeout is shorter than the function timeout",
    ],
    [
      'visibilityTimeoutSeconds past 12 hours',
      { visibilityTimeoutSeconds: 43_201 },
      'Expected `visibilityTimeoutSeconds` to be an integer from 0 to 43200, got `43201` (number)',
    ],
    [
      'functionTimeoutSeconds 0',
      { functionTimeoutSeconds: 0 },
      'Expected `functionTimeoutSeconds` to be an integer from 1 to 900, got `0` (number)',
    ],
    [
      'maxReceiveCount 0',
      { maxReceiveCount: 0 },
      'Expected `maxReceiveCount` to be an integer from 1 to 1000, got `0` (number)',
    ],
    [
      'maxConcurrency "5"',
      { maxConcurrency: '5' },
      'Expected `maxConcurrency` to be an integer from 1 to 1000, got `"5"` (string)',
    ],
    ['seed 1.5', { seed: 1.5 }, 'Expected `seed` to be an integer, got `1.5` (number)'],
    ['fifo "yes"', { fifo: 'yes' }, 'Expected `fifo` to be a boolean, got `"yes"` (string)'],
    ['startTime -1', { startTime: -1 }, 'Expected `startTime` to be an integer >= 0, got `-1` (number)'],
    [
      'a queue name with a space',
      { queueName: 'my queue' },
      'Expected `queueName` to be 1 to 80 letters, digits, `-` or `_` (plus `.fifo` for a FIFO queue), got `"my queue"` (string)',
    ],
    [
      'a .fifo name on a standard queue',
      { fifo: false, queueName: 'ledger.fifo' },
      'Expected `queueName` of a standard queue (`fifo: false`) not to end in .fifo, got `"ledger.fifo"` (string)',
    ],
    [
      'a FIFO name too long with its suffix',
      { fifo: true, queueName: 'q'.repeat(78) },
      `Expected \`queueName\` to be at most 80 characters with its .fifo suffix, got \`"${'q'.repeat(78)}"\` (string)`,
    ],
    [
      'a mistyped key',
      { batchsize: 5 },
      'Unknown option `batchsize` (did you mean `batchSize`?). Expected one of: `seed`, `fifo`, `queueName`, `visibilityTimeoutSeconds`, `maxReceiveCount`, `batchSize`, `batchWindowSeconds`, `maxConcurrency`, `functionTimeoutSeconds`, `duplicateRate`, `crashRate`, `startTime`',
    ],
  ])('rejects %s', (_, options, message) => {
    expectInvalid(() => new QueueSimulator(options as never), message);
  });

  it('rejects options that are not an object', () => {
    expectInvalid(
      () => new QueueSimulator(5 as never),
      'Expected QueueSimulator options to be an object, got `5` (number)',
    );
    expectInvalid(
      () => new QueueSimulator([] as never),
      'Expected QueueSimulator options to be an object, got an array',
    );
  });

  it('accepts every setting AWS accepts, and explicit undefined', () => {
    expect(
      () =>
        new QueueSimulator({
          seed: -3,
          batchSize: 10_000,
          batchWindowSeconds: 300,
          visibilityTimeoutSeconds: 43_200,
          functionTimeoutSeconds: 900,
          maxReceiveCount: 1000,
          maxConcurrency: 1000,
          duplicateRate: 1,
          crashRate: 0,
          startTime: 0,
          queueName: undefined,
        }),
    ).not.toThrow();
    expect(new QueueSimulator({ fifo: true, batchSize: 10, queueName: 'ledger' }).queue.arn).toMatch(/:ledger\.fifo$/);
  });

  it('makes a queue named .fifo a FIFO queue', () => {
    const sim = new QueueSimulator({ queueName: 'ledger.fifo' });

    expect(sim.queue.options.fifo).toBe(true);
    expectInvalid(() => sim.send('x'), /needs a group id/);
  });

  it('checks what is sent', () => {
    const standard = new QueueSimulator();
    const fifo = new QueueSimulator({ fifo: true });

    expectInvalid(
      () => standard.send(undefined),
      'Expected `body` to be a string or a value JSON can encode, got `undefined`',
    );
    expectInvalid(
      () => standard.send(10n),
      'Expected `body` to be a string or a value JSON can encode, got a bigint that JSON cannot encode',
    );
    expectInvalid(
      () => standard.send('x', { groupId: 'g' }),
      'Expected no `groupId` on a standard queue: message groups are for FIFO queues (set `fifo: true`)',
    );
    expectInvalid(
      () => standard.send('x', { group: 'g' } as never),
      /^Unknown option `group` \(did you mean `groupId`\?\)/,
    );
    expectInvalid(
      () => fifo.send('x', { groupId: '' }),
      'Expected `groupId` to be a string of 1 to 128 characters, got `""` (string)',
    );
    expectInvalid(
      () => fifo.send('x'),
      'A FIFO queue needs a group id for every message: pass `{ groupId }` to `send`',
    );
  });

  it('checks the handler and options of run', async () => {
    const sim = new QueueSimulator();

    await expect(sim.run('handler' as never)).rejects.toThrow(
      'Expected `handler` to be a Lambda handler function, got `"handler"` (string)',
    );
    await expect(sim.run(async () => {}, { progressEvery: 0 })).rejects.toThrow(
      'Expected `progressEvery` to be an integer >= 1, got `0` (number)',
    );
    await expect(sim.run(async () => {}, { onProgress: 'log' as never })).rejects.toThrow(
      'Expected `onProgress` to be a function, got `"log"` (string)',
    );
    await expect(sim.run(async () => {}, { stallMs: 0 })).rejects.toThrow(
      'Expected `stallMs` to be a number >= 1, got `0` (number)',
    );
    await expect(sim.run(async () => {}, { maxSimulatedMs: -1 })).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(sim.run(async () => {}, { maxSimulated: 5 } as never)).rejects.toThrow(
      /^Unknown option `maxSimulated` \(did you mean `maxSimulatedMs`\?\)/,
    );
  });
});

describe('event builders check their arguments', () => {
  it('rejects an event whose fifo flag contradicts its queue ARN', () => {
    expectInvalid(
      () => sqsEvent(['a'], { fifo: true, queueArn: 'arn:aws:sqs:us-east-1:111122223333:q' }),
      'Expected `queueArn` to name a FIFO queue (ending in .fifo) with `fifo: true`, got `"arn:aws:sqs:us-east-1:111122223333:q"` (string)',
    );
    expectInvalid(
      () => sqsEvent(['a'], { fifo: false, queueArn: 'arn:aws:sqs:us-east-1:111122223333:q.fifo' }),
      'Expected `queueArn` to name a standard queue with `fifo: false`, got `"arn:aws:sqs:us-east-1:111122223333:q.fifo"` (string), a FIFO queue',
    );
  });

  it('rejects a queue ARN that is not an SQS queue ARN', () => {
    for (const queueArn of ['…:q', 'arn:aws:sns:us-east-1:111122223333:topic', 'arn:aws:sqs:us-east-1:1:q']) {
      expectInvalid(
        () => sqsEvent(['a'], { queueArn }),
        `Expected \`queueArn\` to be an SQS queue ARN (arn:aws:sqs:<region>:<12-digit account>:<queue name>), got \`${JSON.stringify(queueArn)}\` (string)`,
      );
    }
  });

  it('rejects a group id for a standard-queue event, unless fifo is explicitly false', () => {
    expectInvalid(
      () => sqsEvent(['a'], { groupId: 'g' }),
      'Expected no `groupId` for a standard-queue event: message groups are for FIFO events (set `fifo: true`, or a `queueArn` ending in .fifo)',
    );
    const event = sqsEvent(['a'], { fifo: false, groupId: 'g' });
    expect(event.Records[0]?.attributes.MessageGroupId).toBeUndefined();
  });

  it('checks group ids, fixed or computed', () => {
    expectInvalid(
      () => sqsEvent(['a'], { fifo: true, groupId: 'g'.repeat(129) }),
      /^Expected `groupId` to be a string of 1 to 128 characters, got `"g{129}"` \(string\)$/,
    );
    expectInvalid(
      () => sqsEvent(['a', 'b'], { fifo: true, groupId: (i) => (i === 0 ? 'g' : (undefined as never)) }),
      'Expected `groupId(1)` to be a string of 1 to 128 characters, got `undefined` (undefined)',
    );
  });

  it('rejects unknown options, items that are not an array, and bodies JSON cannot encode', () => {
    expectInvalid(
      () => sqsEvent(['a'], { fifo: true, groupid: 'g' } as never),
      'Unknown option `groupid` (did you mean `groupId`?). Expected one of: `fifo`, `queueArn`, `groupId`',
    );
    expectInvalid(
      () => sqsEvent('a' as never),
      'Expected the items of `sqsEvent` to be an array of records or bodies, got `"a"` (string)',
    );
    expectInvalid(
      () => sqsEvent([undefined]),
      'Expected `body` to be a string or a value JSON can encode, got `undefined`',
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expectInvalid(
      () => sqsEvent([cycle]),
      'Expected `body` to be a string or a value JSON can encode, got an object that JSON cannot encode',
    );
  });

  it('takes the region of records from the queue ARN', () => {
    const event = sqsEvent(['a', sqsRecord('b')], { queueArn: 'arn:aws:sqs:ap-south-1:111122223333:orders' });

    expect(event.Records.map((r) => r.awsRegion)).toEqual(['ap-south-1', 'ap-south-1']);
  });

  it('checks the overrides of sqsRecord', () => {
    expectInvalid(
      () => sqsRecord('x', { messageid: 'm-1' } as never),
      /^Unknown option `messageid` \(did you mean `messageId`\?\)\. Expected one of: `messageId`, /,
    );
    expectInvalid(
      () => sqsRecord('x', { body: 'y' } as never),
      'Expected the body as the first argument of `sqsRecord`, not as the override `body`',
    );
    expectInvalid(
      () => sqsRecord('x', 'm-1' as never),
      'Expected the overrides of `sqsRecord` to be an object, got `"m-1"` (string)',
    );
    expectInvalid(
      () => sqsRecord('x', { attributes: null } as never),
      'Expected `attributes` to be an object, got `null` (null)',
    );
    expectInvalid(
      () => sqsRecord(() => 'x'),
      'Expected `body` to be a string or a value JSON can encode, got a function',
    );
    expect(sqsRecord('x', { messageId: '' }).messageId).toBe(''); // malformed records stay possible, to test a handler with them
  });

  it('checks the options of lambdaContext', () => {
    expectInvalid(
      () => lambdaContext({ remainingMs: -1 }),
      'Expected `remainingMs` to be a finite number >= 0, got `-1` (number)',
    );
    expectInvalid(
      () => lambdaContext({ remainingMs: Number.POSITIVE_INFINITY }),
      'Expected `remainingMs` to be a finite number >= 0, got `Infinity` (number)',
    );
    expectInvalid(
      () => lambdaContext({ remaining: 5 } as never),
      'Unknown option `remaining` (did you mean `remainingMs`?). Expected one of: `remainingMs`',
    );
    expect(lambdaContext({ remainingMs: 0 }).getRemainingTimeInMillis()).toBe(0);
  });
});
