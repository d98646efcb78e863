import { describe, expect, it } from 'vitest';
import { eventSourcesLive } from '../../src/cli/live.js';
import { jsonPosition } from '../../src/cli/load.js';
import type { EventSourceModel, QueueModel } from '../../src/cli/model.js';

// SDK modules shaped like @aws-sdk/client-lambda and client-sqs, answering the odd shapes a real
// account can return: mappings without UUID or function, queues without attributes, broken policies.
class Command {
  constructor(readonly input: Record<string, unknown>) {}
}
class ListEventSourceMappingsCommand extends Command {}
class GetFunctionConfigurationCommand extends Command {}
class GetFunctionConcurrencyCommand extends Command {}
class GetQueueUrlCommand extends Command {}
class GetQueueAttributesCommand extends Command {}

const ARN = 'arn:aws:sqs:eu-west-1:123456789012';
const ATTRIBUTES: Record<string, Record<string, string> | undefined> = {
  'broken-policy': { VisibilityTimeout: '30', MessageRetentionPeriod: '60', RedrivePolicy: '{not json' },
  'odd-policy': { VisibilityTimeout: 'soon', RedrivePolicy: '{"maxReceiveCount":"many"}' },
  'no-attributes': undefined,
};

function fakeSdks() {
  const lambda = {
    LambdaClient: class {
      config = { region: async () => 'eu-west-1' };
      async send(command: Command) {
        if (command instanceof ListEventSourceMappingsCommand) {
          return {
            EventSourceMappings: [
              { EventSourceArn: `${ARN}:broken-policy` },
              { UUID: 'u2', EventSourceArn: `${ARN}:odd-policy`, FunctionArn: 'arn:aws:lambda:eu-west-1:1:function:f' },
              {
                UUID: 'u3',
                EventSourceArn: `${ARN}:no-attributes`,
                FunctionArn: 'arn:aws:lambda:eu-west-1:1:function:f',
              },
              {
                UUID: 'u4',
                EventSourceArn: 'arn:aws:sqs:eu-west-1',
                FunctionArn: 'arn:aws:lambda:eu-west-1:1:function:f',
              },
            ],
          };
        }
        if (command instanceof GetFunctionConfigurationCommand) return {};
        if (command instanceof GetFunctionConcurrencyCommand) throw 'throttled';
        throw new Error('unexpected command');
      }
      destroy() {}
    },
    ListEventSourceMappingsCommand,
    GetFunctionConfigurationCommand,
    GetFunctionConcurrencyCommand,
  };
  const sqs = {
    SQSClient: class {
      async send(command: Command) {
        if (command instanceof GetQueueUrlCommand) return { QueueUrl: `https://sqs/${command.input.QueueName}` };
        if (command instanceof GetQueueAttributesCommand) {
          return { Attributes: ATTRIBUTES[String(command.input.QueueUrl).split('/').pop() as string] };
        }
        throw new Error('unexpected command');
      }
      destroy() {}
    },
    GetQueueUrlCommand,
    GetQueueAttributesCommand,
  };
  return (specifier: string) => Promise.resolve(specifier === '@aws-sdk/client-lambda' ? lambda : sqs);
}

const reasonOf = (k: { known: boolean; reason?: string }) => (k.known ? undefined : k.reason);

describe('check --live with odd answers', () => {
  it('reports what each odd answer leaves unknown, and defaults what AWS defaults', async () => {
    const { region, sources } = await eventSourcesLive({ functions: [] }, fakeSdks());
    expect(region).toBe('eu-west-1');
    const [a, b, c, d] = sources as [EventSourceModel, EventSourceModel, EventSourceModel, EventSourceModel];
    expect(a.id).toBe(`${ARN}:broken-policy`);
    expect(reasonOf(a.function as never)).toBe('the mapping names no function');
    expect(a.batchSize).toEqual({ known: true, value: 10, defaulted: true });
    const brokenQueue = a.queue as { value: QueueModel };
    expect(reasonOf(brokenQueue.value.redrive)).toBe('the RedrivePolicy of broken-policy is not JSON');

    const odd = (b.queue as { value: QueueModel }).value;
    expect(reasonOf(odd.visibilityTimeout)).toBe('queue odd-policy did not return VisibilityTimeout');
    expect(odd.redrive).toMatchObject({
      value: {
        maxReceiveCount: { reason: 'the RedrivePolicy of odd-policy has no maxReceiveCount' },
        deadLetterQueue: { reason: 'the RedrivePolicy of odd-policy has no deadLetterTargetArn' },
      },
    });
    expect(b.function).toMatchObject({
      value: {
        timeout: { value: 3, defaulted: true },
        reservedConcurrency: { reason: 'lambda:GetFunctionConcurrency on f failed: throttled' },
      },
    });
    expect((c.queue as { value: QueueModel }).value.redrive).toEqual({ known: true, value: undefined });
    expect(reasonOf(d.queue as never)).toBe('arn:aws:sqs:eu-west-1 is not a queue ARN');
  });
});

describe('jsonPosition', () => {
  it('reads the position from the messages of each Node.js version', () => {
    const text = '{\n  "a": 1,\n}';
    expect(jsonPosition(text, new SyntaxError('Unexpected token } in JSON at position 12'))).toEqual({
      line: 3,
      column: 1,
    });
    expect(
      jsonPosition(
        text,
        new SyntaxError('Expected double-quoted property name in JSON at position 12 (line 3 column 1)'),
      ),
    ).toEqual({ line: 3, column: 1 });
    expect(jsonPosition(text, new SyntaxError('Bad thing (line 2 column 5)'))).toEqual({ line: 2, column: 5 });
    expect(jsonPosition(text, new SyntaxError('Unexpected end of JSON input'))).toEqual({ line: 3, column: 2 });
    expect(jsonPosition(text, new SyntaxError('no position'))).toBeUndefined();
  });
});
