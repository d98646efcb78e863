import type { SQSClient } from '@aws-sdk/client-sqs';

/** A command as the client sees it: its class name and its input. */
export interface SentCommand {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/** Makes an error shaped like the AWS SDK's: a `name` and `$metadata`. */
export function awsError(name: string, message = name, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

type Fault = (command: SentCommand) => Promise<unknown> | undefined;

/**
 * An SQS client over a real one (the emulator) that records every command and
 * lets a test inject faults: whole calls that fail, or batch entries that SQS
 * answers as failed without carrying them out.
 */
export class FaultyClient {
  readonly calls: SentCommand[] = [];
  private readonly faults: Fault[] = [];

  constructor(private readonly inner: SQSClient) {}

  /** The next `times` calls of the command `name` reject with `error`, after `delayMs`. */
  failNext(name: string, error: Error, times = 1, delayMs = 0): void {
    let left = times;
    this.faults.push((command) => {
      if (command.name !== name || left <= 0) return undefined;
      left--;
      return new Promise((_, reject) => setTimeout(() => reject(error), delayMs));
    });
  }

  /** The next `times` calls of the batch command `name` are answered with every entry failed, and not carried out. */
  refuseEntries(name: string, code: string, senderFault: boolean, times = 1): void {
    let left = times;
    this.faults.push((command) => {
      if (command.name !== name || left <= 0) return undefined;
      left--;
      const entries = (command.input.Entries as Array<{ Id: string }>) ?? [];
      return Promise.resolve({
        Successful: [],
        Failed: entries.map(({ Id }) => ({ Id, Code: code, Message: `injected ${code}`, SenderFault: senderFault })),
      });
    });
  }

  /** Calls of the command `name` so far. */
  count(name: string): number {
    return this.calls.filter((call) => call.name === name).length;
  }

  send(command: { constructor: { name: string }; input: unknown }, options?: unknown): Promise<unknown> {
    const sent: SentCommand = { name: command.constructor.name, input: command.input as Record<string, unknown> };
    this.calls.push(sent);
    for (const fault of this.faults) {
      const answer = fault(sent);
      if (answer !== undefined) return answer;
    }
    return (this.inner.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
  }
}
