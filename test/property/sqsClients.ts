/**
 * Generated SQS clients for the failure policy's calls, hostile per command:
 * each command (`SendMessageBatch`, `ChangeMessageVisibilityBatch`,
 * `GetQueueUrl`) answers its calls in turn from a generated list of
 * behaviours: correctly (within SQS's limits, which it enforces as SQS does),
 * partly, late, after the invocation's deadline, never, by throwing or
 * rejecting, or with garbage: a reply of the wrong shape, or one that lists
 * ids the request never used (`'00'` for `'0'`). The client keeps what it
 * confirmed in a well-formed reply: the only records the engine may count as
 * dead-lettered.
 */
import fc from 'fast-check';
import { never, revokedProxy, throwingThenable } from '../helpers/hostile.js';
import { batchRefusal, type SentMessage } from '../helpers/sqsLimitsClient.js';

/** How one call of a command is answered. */
export const CALL_MODES = [
  'ok',
  'partial',
  'late-ok',
  'after-deadline-ok',
  'hang',
  'reject',
  'throw-sync',
  'reject-revoked-proxy',
  'thenable-throws',
  'null',
  'string',
  'array',
  'empty-object',
  'successful-not-array',
  'failed-not-array',
  'successful-item-null',
  'successful-numeric-ids',
  'successful-lookalike-ids',
  'successful-id-getter-throws',
  'revoked-proxy-reply',
  'queue-url-number',
] as const;
export type CallMode = (typeof CALL_MODES)[number];

/** Modes that only a deadline ends (or that wait past it): generated only with one. */
const NEEDS_DEADLINE: readonly CallMode[] = ['hang', 'after-deadline-ok'];

export const COMMANDS = [
  'SendMessageBatchCommand',
  'ChangeMessageVisibilityBatchCommand',
  'GetQueueUrlCommand',
] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Per command, the modes of its successive calls (repeated from the start when calls outnumber them). */
export type ClientSpec = Readonly<Record<CommandName, readonly CallMode[]>>;

export function clientSpec(deadline: boolean): fc.Arbitrary<ClientSpec> {
  const modes = CALL_MODES.filter((mode) => deadline || !NEEDS_DEADLINE.includes(mode));
  const calls = fc.array(
    fc.oneof(
      { weight: 2, arbitrary: fc.constant<CallMode>('ok') },
      { weight: 3, arbitrary: fc.constantFrom(...modes) },
    ),
    { minLength: 1, maxLength: 3 },
  );
  return fc.record({
    SendMessageBatchCommand: calls,
    ChangeMessageVisibilityBatchCommand: calls,
    GetQueueUrlCommand: calls,
  });
}

interface Command {
  readonly constructor: { readonly name: string };
  readonly input: {
    readonly QueueName?: string;
    readonly Entries?: ReadonlyArray<
      SentMessage & { readonly VisibilityTimeout?: number; readonly ReceiptHandle?: string }
    >;
  };
}

/** What the generated client saw and said. */
export interface ClientLedger {
  /** Positions (the `idx` attribute) of messages confirmed in a well-formed reply, by exact id. */
  readonly confirmedSends: Set<number>;
  /** Every request, with why SQS would have refused it (`undefined` when SQS would take it). */
  readonly requests: Array<{ readonly command: string; readonly refusal: string | undefined }>;
  /** Late answers still to come: awaited before the run's checks. */
  readonly pending: Array<Promise<unknown>>;
}

/** The position a message carries in its `idx` attribute (every generated record has one). */
function positionOf(message: SentMessage): number {
  return Number(message.MessageAttributes?.idx?.StringValue);
}

/**
 * A client whose calls misbehave as `spec` says, per command. `lateMs` is
 * how long a late answer takes; `afterDeadlineMs` how long one that must miss
 * the invocation's deadline takes.
 */
export function hostileSqsClient(spec: ClientSpec, options: { lateMs: number; afterDeadlineMs: number }) {
  const ledger: ClientLedger = { confirmedSends: new Set(), requests: [], pending: [] };
  const calls = new Map<string, number>();
  const later = <T>(ms: number, answer: () => T): Promise<T> => {
    const promise = new Promise<T>((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(answer());
        } catch (error) {
          reject(error);
        }
      }, ms),
    );
    ledger.pending.push(promise.catch(() => {}));
    return promise;
  };

  /** SQS's own answer: a refusal of the whole request, or every entry (or all but the first) confirmed. */
  const correct = (command: Command, partial: boolean): unknown => {
    const name = command.constructor.name;
    if (name === 'GetQueueUrlCommand') {
      return { QueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${command.input.QueueName}` };
    }
    const entries = command.input.Entries ?? [];
    const refused = batchRefusal(name, entries);
    if (refused !== undefined) throw refused;
    const successful = partial ? entries.slice(1) : entries;
    if (name === 'SendMessageBatchCommand') {
      for (const entry of successful) ledger.confirmedSends.add(positionOf(entry));
    }
    return {
      Successful: successful.map((entry) => ({ Id: entry.Id })),
      Failed: partial
        ? entries
            .slice(0, 1)
            .map((entry) => ({ Id: entry.Id, Code: 'InternalError', Message: 'try again', SenderFault: false }))
        : [],
    };
  };

  const garbage = (mode: CallMode, command: Command): unknown => {
    const ids = (command.input.Entries ?? []).map((entry) => entry.Id);
    switch (mode) {
      case 'null':
        return null;
      case 'string':
        return 'OK';
      case 'array':
        return ids.map((Id) => ({ Id }));
      case 'empty-object':
        return {};
      case 'successful-not-array':
        return { Successful: { Id: '0' } };
      case 'failed-not-array':
        return { Successful: ids.map((Id) => ({ Id })), Failed: 'none' };
      case 'successful-item-null':
        return { Successful: [...ids.map((Id) => ({ Id })), null] };
      case 'successful-numeric-ids':
        return { Successful: ids.map((_, i) => ({ Id: i })) };
      case 'successful-lookalike-ids':
        return { Successful: ids.flatMap((Id) => [{ Id: `0${Id}` }, { Id: `+${Id}` }, { Id: ` ${Id}` }]) };
      case 'successful-id-getter-throws':
        return {
          Successful: ids.map(() =>
            Object.defineProperty({}, 'Id', {
              enumerable: true,
              get(): never {
                throw new Error('Id getter');
              },
            }),
          ),
        };
      case 'revoked-proxy-reply':
        return revokedProxy();
      case 'queue-url-number':
        return { QueueUrl: 42, Successful: 7 };
      default:
        return undefined;
    }
  };

  const client = {
    send(command: Command): Promise<unknown> {
      const name = command.constructor.name as CommandName;
      const modes = spec[name] ?? ['ok'];
      const call = calls.get(name) ?? 0;
      calls.set(name, call + 1);
      const mode = modes[call % modes.length] as CallMode;
      if (name !== 'GetQueueUrlCommand') {
        const refusal = batchRefusal(name, command.input.Entries ?? []);
        ledger.requests.push({ command: name, refusal: refusal?.message });
      }
      switch (mode) {
        case 'ok':
          return Promise.resolve().then(() => correct(command, false));
        case 'partial':
          return Promise.resolve().then(() => correct(command, true));
        case 'late-ok':
          return later(options.lateMs, () => correct(command, false));
        case 'after-deadline-ok':
          return later(options.afterDeadlineMs, () => correct(command, false));
        case 'hang':
          return never();
        case 'reject':
          return Promise.reject(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
        case 'throw-sync':
          throw new Error('the client is closed');
        case 'reject-revoked-proxy':
          return Promise.reject(revokedProxy());
        case 'thenable-throws':
          return throwingThenable() as unknown as Promise<unknown>;
        default:
          return Promise.resolve(garbage(mode, command));
      }
    },
  };
  return { client, ledger };
}
