import type { Message } from '@aws-sdk/client-sqs';
import type { SentCommand } from './faultyClient.js';

/**
 * An SQS client whose receives are scripted: each `ReceiveMessage` answers
 * the next scripted batch, and waits a moment then answers nothing once the
 * script runs out. Deletions and visibility changes succeed and are
 * recorded. For what an emulator does not do: several messages of one FIFO
 * group in one receive, a group delivered again while it is held.
 */
export class ScriptedSqs {
  readonly calls: SentCommand[] = [];
  attributes: Record<string, string> = {
    QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:orders.fifo',
    VisibilityTimeout: '30',
    FifoQueue: 'true',
  };
  private readonly script: Array<() => Message[]> = [];

  /** The next receive answers `messages` (or what `messages()` gives when it is made). */
  thenReceive(messages: Message[] | (() => Message[])): this {
    this.script.push(typeof messages === 'function' ? messages : () => messages);
    return this;
  }

  /** Receipt handles deleted so far. */
  get deleted(): string[] {
    return this.entries('DeleteMessageBatchCommand').map((entry) => entry.ReceiptHandle as string);
  }

  /** Receipt handles released (visibility set to 0) so far. */
  get released(): string[] {
    return this.entries('ChangeMessageVisibilityBatchCommand')
      .filter((entry) => entry.VisibilityTimeout === 0)
      .map((entry) => entry.ReceiptHandle as string);
  }

  async send(command: { constructor: { name: string }; input: unknown }): Promise<unknown> {
    const name = command.constructor.name;
    const input = command.input as Record<string, unknown>;
    this.calls.push({ name, input });
    switch (name) {
      case 'GetQueueAttributesCommand':
        return { Attributes: this.attributes };
      case 'ReceiveMessageCommand': {
        const next = this.script.shift();
        if (next !== undefined) return { Messages: next() };
        await new Promise((resolve) => setTimeout(resolve, 30));
        return {};
      }
      default: {
        const entries = (input.Entries as Array<{ Id: string }>) ?? [];
        return { Successful: entries.map(({ Id }) => ({ Id })), Failed: [] };
      }
    }
  }

  private entries(name: string): Array<Record<string, unknown>> {
    return this.calls
      .filter((call) => call.name === name)
      .flatMap((call) => call.input.Entries as Array<Record<string, unknown>>);
  }
}

/** A received FIFO message of `group` whose receipt handle is `rh-<id>`. */
export function fifoMessage(id: string, group: string, body = id): Message {
  return {
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: body,
    MD5OfBody: 'md5',
    Attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: group,
      MessageDeduplicationId: id,
      SequenceNumber: '1',
    },
  };
}
