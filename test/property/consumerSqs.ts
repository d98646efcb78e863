/**
 * Generators for the consumer's hostile SQS suite: a scenario says how each
 * SQS command behaves, call after call (answers, hangs before or after
 * acting, throws, answers late, answers garbage, fails some entries), what
 * each message holds and what its record does, and how the consumer is set
 * up. `hostileSqs` turns the command behaviours into faults on the in-memory
 * queue (test/helpers/sqsModel.ts).
 */
import fc from 'fast-check';
import { awsError } from '../helpers/faultyClient.js';
import { never } from '../helpers/hostile.js';
import type { Command, SqsModel } from '../helpers/sqsModel.js';

/** How one call of a command is answered. */
export const CALL_BEHAVIOURS = [
  'ok',
  'late',
  'hang',
  'hang-after-acting',
  'throw-retryable',
  'throw-network',
  'throw-string',
  'garbage',
  'partial',
] as const;
export type CallBehaviour = (typeof CALL_BEHAVIOURS)[number] | 'fatal';

/** Garbage a receive can answer: shapes SQS never sends, some holding real messages. */
export const RECEIVE_GARBAGE = [
  'null',
  'string',
  'messages-object',
  'null-beside-real',
  'null-attribute',
  'no-body',
  'number-body',
  'duplicates',
  'more-than-asked',
  'no-receipt-handle',
  'attributes-not-strings',
] as const;
/** Garbage a batch call can answer. */
export const BATCH_GARBAGE = ['null', 'successful-not-array', 'unknown-ids', 'empty'] as const;
/** Garbage `GetQueueAttributes` can answer. */
export const ATTRIBUTES_GARBAGE = ['null', 'attributes-number', 'visibility-nonsense', 'empty'] as const;

export interface CallSpec {
  readonly behaviour: CallBehaviour;
  /** How late a `late` answer comes. */
  readonly delayMs: number;
  /** Which garbage (an index into the command's list). */
  readonly garbage: number;
  /** For `partial`: which entries fail (bit i for entry i), and whether SQS blames the sender. */
  readonly mask: number;
  readonly senderFault: boolean;
}

export interface CommandScript {
  /** Successive calls, in order. */
  readonly calls: readonly CallSpec[];
  /** Every call after the script. */
  readonly afterwards: CallSpec;
}

export const COMMANDS = [
  'GetQueueAttributesCommand',
  'ReceiveMessageCommand',
  'DeleteMessageBatchCommand',
  'ChangeMessageVisibilityBatchCommand',
] as const;
export type CommandName = (typeof COMMANDS)[number];

export const RECORD_BEHAVIOURS = ['ok', 'fail', 'permanent', 'slow', 'hang-until-abort', 'hang'] as const;
export type RecordBehaviour = (typeof RECORD_BEHAVIOURS)[number];

export interface MessageSpec {
  readonly body: 'text' | 'missing' | 'number';
  readonly behaviour: RecordBehaviour;
  /** How long a `slow` record takes. */
  readonly durationMs: number;
}

export interface ConsumerScenario {
  readonly visibilitySeconds: number;
  readonly waitTimeSeconds: number;
  readonly sqsCallTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly concurrency: number;
  readonly batchSize: number;
  /** `undefined`: the default (one receive ahead). */
  readonly prefetch: number | undefined;
  readonly heartbeat: boolean;
  readonly drop: boolean;
  readonly tracer: boolean;
  readonly messages: readonly MessageSpec[];
  readonly scripts: Readonly<Record<CommandName, CommandScript>>;
  /** How long the consumer runs (virtual time) before `stop()`. */
  readonly runForMs: number;
}

function callSpec(fatal: boolean): fc.Arbitrary<CallSpec> {
  const behaviours: CallBehaviour[] = [...CALL_BEHAVIOURS, ...(fatal ? (['fatal'] as const) : [])];
  return fc.record({
    behaviour: fc.oneof(
      { weight: 4, arbitrary: fc.constant<CallBehaviour>('ok') },
      { weight: 6, arbitrary: fc.constantFrom(...behaviours) },
    ),
    delayMs: fc.integer({ min: 1, max: 8000 }),
    garbage: fc.nat({ max: 20 }),
    mask: fc.nat({ max: 1023 }),
    senderFault: fc.boolean(),
  });
}

function script(command: CommandName): fc.Arbitrary<CommandScript> {
  // A fatal answer (access denied) stops the consumer: rare, and only where SQS answers one.
  const fatal = command === 'GetQueueAttributesCommand' || command === 'ReceiveMessageCommand';
  const call = fatal
    ? fc.oneof({ weight: 9, arbitrary: callSpec(false) }, { weight: 1, arbitrary: callSpec(true) })
    : callSpec(false);
  return fc.record({
    calls: fc.array(call, { maxLength: 6 }),
    afterwards: fc.oneof(
      { weight: 6, arbitrary: callSpec(false).map((spec) => ({ ...spec, behaviour: 'ok' as const })) },
      { weight: 4, arbitrary: callSpec(false) },
    ),
  });
}

export function consumerScenario(): fc.Arbitrary<ConsumerScenario> {
  return fc.record({
    visibilitySeconds: fc.integer({ min: 1, max: 4 }),
    waitTimeSeconds: fc.integer({ min: 0, max: 3 }),
    sqsCallTimeoutMs: fc.integer({ min: 50, max: 3000 }),
    shutdownTimeoutMs: fc.integer({ min: 0, max: 4000 }),
    concurrency: fc.integer({ min: 1, max: 5 }),
    batchSize: fc.integer({ min: 1, max: 5 }),
    prefetch: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    heartbeat: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    drop: fc.boolean(),
    tracer: fc.boolean(),
    messages: fc.array(
      fc.record({
        body: fc.oneof(
          { weight: 8, arbitrary: fc.constant('text' as const) },
          { weight: 1, arbitrary: fc.constantFrom('missing' as const, 'number' as const) },
        ),
        behaviour: fc.constantFrom(...RECORD_BEHAVIOURS),
        durationMs: fc.integer({ min: 0, max: 12_000 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    scripts: fc.record({
      GetQueueAttributesCommand: script('GetQueueAttributesCommand'),
      ReceiveMessageCommand: script('ReceiveMessageCommand'),
      DeleteMessageBatchCommand: script('DeleteMessageBatchCommand'),
      ChangeMessageVisibilityBatchCommand: script('ChangeMessageVisibilityBatchCommand'),
    }),
    runForMs: fc.integer({ min: 0, max: 15_000 }),
  });
}

/** Calls that were answered (or not) by a fatal behaviour: `start()` may then reject. */
export interface HostileLedger {
  fatal: boolean;
}

/** Makes `sqs` answer each command by its script. */
export function hostileSqs(sqs: SqsModel, scenario: ConsumerScenario): HostileLedger {
  const ledger: HostileLedger = { fatal: false };
  for (const command of COMMANDS) {
    const { calls, afterwards } = scenario.scripts[command];
    let n = 0;
    sqs.onCommand(command, (call, queue) => {
      const spec = calls[n++] ?? afterwards;
      if (spec.behaviour === 'fatal') ledger.fatal = true;
      return answer(spec, call, queue, scenario);
    });
  }
  return ledger;
}

function answer(spec: CallSpec, call: Command, queue: SqsModel, scenario: ConsumerScenario): unknown {
  switch (spec.behaviour) {
    case 'ok':
      return undefined;
    case 'late': {
      const answered = queue.answer(call);
      return new Promise((resolve, reject) => setTimeout(() => answered.then(resolve, reject), spec.delayMs));
    }
    case 'hang':
      return never();
    case 'hang-after-acting':
      queue.answer(call).catch(() => {});
      return never();
    case 'throw-retryable':
      return Promise.reject(awsError('ServiceUnavailable', 'injected outage', 503));
    case 'throw-network':
      return Promise.reject(new Error('socket hang up'));
    case 'throw-string':
      return Promise.reject('a thrown string');
    case 'fatal':
      return Promise.reject(awsError('AccessDenied', 'injected: not authorized', 403));
    case 'garbage':
      return garbage(spec, call, queue, scenario);
    case 'partial':
      return partial(spec, call, queue);
  }
}

function garbage(spec: CallSpec, call: Command, queue: SqsModel, scenario: ConsumerScenario): unknown {
  switch (call.name) {
    case 'GetQueueAttributesCommand': {
      const kind = ATTRIBUTES_GARBAGE[spec.garbage % ATTRIBUTES_GARBAGE.length];
      if (kind === 'null') return Promise.resolve(null);
      if (kind === 'attributes-number') return { Attributes: 5 };
      if (kind === 'visibility-nonsense') return { Attributes: { VisibilityTimeout: 'soon', QueueArn: 7 } };
      return {};
    }
    case 'ReceiveMessageCommand':
      return receiveGarbage(spec, call, queue, scenario);
    default: {
      const kind = BATCH_GARBAGE[spec.garbage % BATCH_GARBAGE.length];
      if (kind === 'null') return Promise.resolve(null);
      if (kind === 'successful-not-array') return { Successful: 'all of them', Failed: {} };
      if (kind === 'unknown-ids') return { Successful: [{ Id: '99' }, { Id: 'x' }, null], Failed: [{ Id: '98' }] };
      return {};
    }
  }
}

function receiveGarbage(spec: CallSpec, call: Command, queue: SqsModel, scenario: ConsumerScenario): unknown {
  const max = Number(call.input.MaxNumberOfMessages) || 1;
  const visibilityMs = (Number(call.input.VisibilityTimeout) || scenario.visibilitySeconds) * 1000;
  const kind = RECEIVE_GARBAGE[spec.garbage % RECEIVE_GARBAGE.length];
  switch (kind) {
    case 'null':
      return Promise.resolve(null);
    case 'string':
      return 'Messages';
    case 'messages-object':
      return { Messages: {} };
    case 'null-beside-real':
      return { Messages: [null, ...queue.take(max, visibilityMs)] };
    case 'more-than-asked':
      return { Messages: queue.take(max + 3, visibilityMs) };
    case 'duplicates': {
      const taken = queue.take(max, visibilityMs);
      return { Messages: [...taken, ...taken] };
    }
    default: {
      const [first, ...rest] = queue.take(max, visibilityMs);
      if (first === undefined) return {};
      const broken: Record<string, unknown> = { ...first };
      if (kind === 'null-attribute') broken.MessageAttributes = { tenant: null };
      else if (kind === 'no-body') delete broken.Body;
      else if (kind === 'number-body') broken.Body = 42;
      else if (kind === 'no-receipt-handle') delete broken.ReceiptHandle;
      else broken.Attributes = { ApproximateReceiveCount: 3 };
      return { Messages: [broken, ...rest] };
    }
  }
}

/** Carries out the entries `mask` leaves, and answers the others as failed. */
async function partial(spec: CallSpec, call: Command, queue: SqsModel): Promise<unknown> {
  if (call.name === 'GetQueueAttributesCommand' || call.name === 'ReceiveMessageCommand') return queue.answer(call);
  const entries = (call.input.Entries ?? []) as Array<{ Id: string }>;
  const failing = entries.filter((_, i) => (spec.mask >> i) & 1);
  const kept = entries.filter((_, i) => !((spec.mask >> i) & 1));
  const done = (await queue.answer({ ...call, input: { ...call.input, Entries: kept } })) as {
    Successful: unknown[];
    Failed: unknown[];
  };
  return {
    Successful: done.Successful,
    Failed: [
      ...done.Failed,
      ...failing.map(({ Id }) => ({ Id, Code: 'InternalError', Message: 'injected', SenderFault: spec.senderFault })),
    ],
  };
}
