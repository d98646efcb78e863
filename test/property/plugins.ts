/**
 * Turns a generated {@link Scenario} into the hostile objects the engine is
 * handed — event, user function, schema, store, logger, SQS clients — and
 * keeps the ledger the property checks the engine's answer against: which
 * records ran and finished, what the store answered, what SQS acknowledged.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type BatchLogger,
  type CircuitSnapshot,
  type CircuitStateStore,
  type ClaimResult,
  type IdempotencyClaim,
  type IdempotencyCompletion,
  type IdempotencyRelease,
  type IdempotencyStore,
  MemoryIdempotencyStore,
  PermanentError,
  type StandardSchemaV1,
} from 'sqs-partial-batch';
import { sqsEvent, sqsRecord } from 'sqs-partial-batch/testing';
import {
  errorWithThrowingMessage,
  errorWithThrowingName,
  never,
  revokedProxy,
  thenGetterThrows,
  throwingThenable,
} from '../helpers/hostile.js';
import type {
  BadEvent,
  CircuitStoreMode,
  ClaimGarbage,
  ClaimMode,
  KeySpec,
  LoggerSpec,
  LogMode,
  MethodMode,
  RecordSpec,
  Scenario,
  SchemaBehaviour,
  SqsMode,
  StoreSpec,
} from './arbitraries.js';

/** What happened on the plug-ins' side of one invocation. */
export class Ledger {
  /** processRecord calls per record position. */
  readonly calls: number[];
  /** Records whose processRecord returned or resolved (success), in the order they did. */
  readonly finished = new Set<number>();
  /** Records whose processRecord threw a `PermanentError`. */
  readonly threwPermanent = new Set<number>();
  /** Keys the store answered as `completed` in a well-formed answer (the work was done before). */
  readonly storeCompleted = new Set<string>();
  /** Keys the store answered `{ status: 'claimed' }` at their position in a well-formed answer. */
  readonly storeClaimed = new Set<string>();
  /** Record positions a dead-letter `SendMessageBatch` listed as `Successful`. */
  readonly deadLettered = new Set<number>();
  /** Timers of late behaviours still to fire: the run waits for them before checking for escapes. */
  readonly pending: Array<Promise<unknown>> = [];
  /** Set once the factory has checked the options: loggers that vanish do it after. */
  armed = false;

  constructor(count: number) {
    this.calls = new Array(count).fill(0);
  }

  /** Resolves or rejects after `ms`, and is remembered so the run can wait for it. */
  later<T>(ms: number, settle: () => T): Promise<Awaited<T>> {
    const promise = new Promise<Awaited<T>>((resolve, reject) => {
      setTimeout(() => {
        try {
          resolve(settle() as Awaited<T>);
        } catch (error) {
          reject(error);
        }
      }, ms);
    });
    this.pending.push(promise.catch(() => {}));
    return promise;
  }
}

const IDX = 'idx';

/** A record's position, read from the message attribute every generated record carries. */
export function positionOf(raw: SQSRecord): number {
  return Number(raw.messageAttributes?.[IDX]?.stringValue);
}

/** The message ids of the event, fixed before anything can mutate it. */
export function messageIds(records: readonly RecordSpec[], salt: string): string[] {
  const ids: string[] = [];
  records.forEach((spec, index) => {
    const { id } = spec;
    if (id.kind === 'named') ids.push(id.name);
    else if (id.kind === 'reuse' && index > 0) ids.push(ids[id.of % index] as string);
    else ids.push(`m-${index}-${salt}`);
  });
  return ids;
}

function payloadText(index: number, spec: RecordSpec): string {
  const base = `"i":${index},"s":${JSON.stringify(spec.schema)},"n":${index}`;
  if (spec.body === 'deep') return `{${base},"d":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  if (spec.body === 'proto') return `{${base},"__proto__":{"polluted":"yes","i":${index}}}`;
  return `{${base}}`;
}

function bodyOf(index: number, spec: RecordSpec, envelope: Scenario['envelope']): unknown {
  if (spec.body === 'non-string') return index % 2 === 0 ? 42 : null;
  if (spec.body === 'not-json') return `{"i":${index}, not json`;
  if (spec.body === 'bad-envelope') {
    if (envelope === 'sns') return JSON.stringify({ Type: 'Notification', Subject: 'no message' });
    if (envelope === 'eventbridge') return JSON.stringify({ source: 'orders', 'detail-type': 'none' });
    return '[unclosed';
  }
  const payload = payloadText(index, spec);
  if (envelope === 'sns') return JSON.stringify({ Type: 'Notification', Message: payload });
  if (envelope === 'eventbridge') return `{"source":"orders","detail-type":"created","detail":${payload}}`;
  return payload;
}

/** The event of a scenario and its message ids (`undefined` ids for a bad event). */
export function buildEvent(scenario: Scenario, salt: string): { event: SQSEvent; ids: string[] } {
  if (scenario.badEvent !== undefined) return { event: badEvent(scenario.badEvent), ids: [] };
  const ids = messageIds(scenario.records, salt);
  const records = scenario.records.map((spec, index) => {
    const record = sqsRecord('', {
      messageId: ids[index] as string,
      messageAttributes: {
        [IDX]: { dataType: 'Number', stringValue: String(index), stringListValues: [], binaryListValues: [] },
      },
    });
    return {
      ...record,
      body: bodyOf(index, spec, scenario.envelope) as string,
      attributes: { ...record.attributes, ApproximateReceiveCount: spec.receiveCount },
    };
  });
  const event = sqsEvent(records, {
    fifo: scenario.fifo,
    groupId: (index) => scenario.records[index]?.group ?? 'g1',
  });
  return { event, ids };
}

function badEvent(kind: BadEvent): SQSEvent {
  const valid = sqsRecord('x');
  const events: Record<BadEvent, unknown> = {
    null: null,
    string: 'Records',
    'no-records': {},
    'records-object': { Records: { 0: valid } },
    'null-record': { Records: [valid, null] },
    'no-message-id': { Records: [{ ...valid, messageId: undefined }] },
    'empty-message-id': { Records: [valid, { ...valid, messageId: '' }] },
    'numeric-message-id': { Records: [{ ...valid, messageId: 7 }] },
  };
  return events[kind] as SQSEvent;
}

/** The idempotency key a record's key function returns, as the scenario says. */
export function keyValue(spec: KeySpec): unknown {
  switch (spec) {
    case 'empty':
      return '';
    case 'number':
      return 42;
    case 'throw':
      throw new TypeError('no key here');
    case 'throw-revoked-proxy':
      throw revokedProxy();
    default:
      return spec;
  }
}

/** The key a record gets, or `undefined` when its key function fails (its record must not run). */
export function keyOf(scenario: Scenario, ids: readonly string[], index: number): string | undefined {
  const idem = scenario.idempotency;
  if (idem === undefined) return undefined;
  if (idem.keyMode === 'messageId') return ids[index];
  const spec = scenario.records[index]?.key as KeySpec;
  return spec === 'empty' || spec === 'number' || spec === 'throw' || spec === 'throw-revoked-proxy' ? undefined : spec;
}

/** The user's function: each record behaves as its spec says. */
export function processRecordFor(scenario: Scenario, ledger: Ledger) {
  return (record: { raw: SQSRecord; body: unknown }, ctx: { signal: AbortSignal }): unknown => {
    const index = positionOf(record.raw);
    const spec = scenario.records[index] as RecordSpec;
    ledger.calls[index] = (ledger.calls[index] ?? 0) + 1;
    const done = (): void => void ledger.finished.add(index);
    switch (spec.run) {
      case 'ok':
        done();
        return undefined;
      case 'ok-async':
        return Promise.resolve().then(done);
      case 'ok-late':
        return ledger.later(spec.delayMs, done);
      case 'throw-error':
        throw new Error(`record ${index} failed`);
      case 'throw-permanent':
        ledger.threwPermanent.add(index);
        throw new PermanentError(`record ${index} can never succeed`);
      case 'throw-string':
        throw 'a string';
      case 'throw-undefined':
        throw undefined;
      case 'throw-null':
        throw null;
      case 'throw-revoked-proxy':
        throw revokedProxy();
      case 'throw-message-getter':
        throw errorWithThrowingMessage();
      case 'throw-name-getter':
        throw errorWithThrowingName();
      case 'reject-late':
        return ledger.later(spec.delayMs, () => {
          throw new Error(`record ${index} failed late`);
        });
      case 'reject-late-non-error':
        return ledger.later(spec.delayMs, () => {
          throw { code: 'E_LATE', index };
        });
      case 'reject-revoked-proxy':
        return Promise.reject(revokedProxy());
      case 'hang':
        return never();
      case 'hang-until-abort':
        return new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        });
      case 'then-getter-throws':
        return thenGetterThrows();
      case 'then-throws':
        return throwingThenable();
      case 'revoked-proxy-result':
        return revokedProxy();
      case 'mutate-id-throw':
        (record.raw as { messageId: string }).messageId = 'not-in-event';
        throw new Error('mutated the id, then failed');
      case 'mutate-id-ok':
        (record.raw as { messageId: string }).messageId = 'not-in-event-either';
        done();
        return undefined;
      case 'mutate-body-ok':
        (record as { body: unknown }).body = { replaced: true };
        (record.raw as { body: string }).body = 'replaced';
        done();
        return undefined;
      case 'pollute': {
        const poison = JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
        Object.assign(record.raw.messageAttributes, poison);
        throw poison;
      }
    }
  };
}

/** One Standard Schema whose answer for each payload is the behaviour the payload names. */
export function schemaFor(ledger: Ledger): StandardSchemaV1<unknown, unknown> {
  const answer = (behaviour: SchemaBehaviour, value: Record<string, unknown>, delayMs: number): unknown => {
    const issue = { message: 'Expected a valid order', path: ['orderId'] };
    switch (behaviour) {
      case 'value':
        return { value };
      case 'value-transformed':
        return { value: { ...value, checked: true } };
      case 'value-circular': {
        const output: Record<string, unknown> = { ...value };
        output.self = output;
        return { value: output };
      }
      case 'value-tojson-throws':
        return {
          value: {
            ...value,
            toJSON() {
              throw new Error('toJSON threw');
            },
          },
        };
      case 'issues':
        return { issues: [issue] };
      case 'undefined':
        return undefined;
      case 'null':
        return null;
      case 'issues-null':
        return { issues: null };
      case 'issues-empty':
        return { issues: [] };
      case 'empty-object':
        return {};
      case 'path-null':
        return { issues: [{ message: 'bad', path: [null] }] };
      case 'path-symbol':
        return { issues: [{ message: 'bad', path: [Symbol('where'), { key: Symbol.iterator }] }] };
      case 'path-key-null':
        return { issues: [{ message: 'bad', path: [{ key: null }, { key: undefined }] }] };
      case 'path-not-array':
        return { issues: [{ message: 'bad', path: 5 }] };
      case 'issue-null':
        return { issues: [null, undefined] };
      case 'issue-message-object':
        return { issues: [{ message: { text: 'not a string' } }, { message: undefined }] };
      case 'issues-string':
        return { issues: 'everything is wrong' };
      case 'issues-getter-throws':
        return Object.defineProperty({}, 'issues', {
          get(): never {
            throw new Error('issues getter');
          },
        });
      case 'throw':
        throw new Error('schema bug');
      case 'throw-string':
        throw 'schema bug';
      case 'throw-revoked-proxy':
        throw revokedProxy();
      case 'reject':
        return Promise.reject(new Error('refinement service down'));
      case 'hang':
        return never();
      case 'async-late-value':
        return ledger.later(delayMs, () => ({ value }));
      case 'async-late-issues':
        return ledger.later(delayMs, () => ({ issues: [issue] }));
      case 'async-undefined':
        return Promise.resolve(undefined);
      case 'async-path-null':
        return Promise.resolve({ issues: [{ message: 'bad', path: [null] }] });
      case 'thenable-throws':
        return throwingThenable();
    }
  };
  return {
    '~standard': {
      version: 1,
      vendor: 'hostile',
      validate(value: unknown) {
        if (typeof value !== 'object' || value === null || typeof (value as { s?: unknown }).s !== 'string') {
          return { issues: [{ message: 'Expected a generated payload' }] };
        }
        const payload = value as Record<string, unknown>;
        const delayMs = 5 + ((Number(payload.i) * 37) % 60);
        return answer(payload.s as SchemaBehaviour, payload, delayMs) as StandardSchemaV1.Result<unknown>;
      },
    },
  };
}

function garbageFor(kind: ClaimGarbage): unknown {
  switch (kind) {
    case 'null':
      return null;
    case 'undefined':
      return undefined;
    case 'empty-object':
      return {};
    case 'unknown-status':
      return { status: 'maybe' };
    case 'string':
      return 'claimed';
    case 'in-progress-no-until':
      return { status: 'in-progress' };
    case 'in-progress-nan':
      return { status: 'in-progress', inProgressUntil: Number.NaN, payloadHash: undefined };
    case 'in-progress-huge':
      return { status: 'in-progress', inProgressUntil: 9e15, payloadHash: undefined };
    case 'in-progress-string-until':
      return { status: 'in-progress', inProgressUntil: 'soon', payloadHash: undefined };
    case 'error-without-error':
      return { status: 'error' };
    case 'error-revoked-proxy':
      return { status: 'error', error: revokedProxy() };
    case 'completed-numeric-hash':
      return { status: 'completed', payloadHash: 42 };
    case 'status-getter-throws':
      return {
        get status(): never {
          throw new Error('status getter');
        },
      };
  }
}

/** A store over a `MemoryIdempotencyStore` whose methods misbehave as the spec says. */
export class HostileStore implements IdempotencyStore {
  readonly inner: MemoryIdempotencyStore;

  constructor(
    private readonly spec: StoreSpec,
    private readonly ledger: Ledger,
  ) {
    this.inner = new MemoryIdempotencyStore({ maxEntries: spec.maxEntries });
  }

  /** Writes the keys an earlier invocation left, before the run. */
  async seed(now: number): Promise<void> {
    for (const { key, state, hash } of this.spec.seeded) {
      const payloadHash = hash === 'other' ? 'a-hash-of-another-payload' : undefined;
      const token = `earlier-${key}`;
      await this.inner.claim([{ key, token, inProgressUntil: now + 60_000, payloadHash }], now);
      if (state === 'completed') await this.inner.complete([{ key, token, expiresAt: now + 60_000, payloadHash }], now);
    }
  }

  claim(claims: readonly IdempotencyClaim[], now: number): Promise<readonly ClaimResult[]> {
    const { spec } = this;
    const correct = async (): Promise<readonly ClaimResult[]> => {
      const answers = await this.inner.claim(claims, now);
      this.note(claims, answers);
      return answers;
    };
    const fault = this.fault(spec.claim, correct);
    if (fault !== undefined) return fault;
    const then = (garble: (answers: readonly ClaimResult[]) => readonly unknown[]) =>
      this.inner.claim(claims, now).then((answers) => garble(answers) as readonly ClaimResult[]);
    switch (spec.claim) {
      case 'non-array':
        return then(() => ({ length: claims.length }) as never);
      case 'short':
        return then((answers) => answers.slice(1));
      case 'long':
        return then((answers) => [...answers, { status: 'claimed' }]);
      default:
        return then((answers) => {
          const mixed = answers.map((answer, i) => {
            const garbage = spec.garbage[i];
            return garbage === undefined ? answer : garbageFor(garbage);
          });
          this.note(claims, mixed);
          return mixed;
        });
    }
  }

  complete(completions: readonly IdempotencyCompletion[], now: number): Promise<void> {
    return this.method(this.spec.complete, () => this.inner.complete(completions, now));
  }

  release(releases: readonly IdempotencyRelease[]): Promise<void> {
    return this.method(this.spec.release, () => this.inner.release(releases));
  }

  /** Remembers well-formed answers: what the engine may rely on. */
  private note(claims: readonly IdempotencyClaim[], answers: readonly unknown[]): void {
    claims.forEach((claim, i) => {
      const answer = answers[i] as { status?: unknown } | null | undefined;
      if (typeof answer !== 'object' || answer === null) return;
      let status: unknown;
      try {
        status = answer.status;
      } catch {
        return;
      }
      if (status === 'completed') this.ledger.storeCompleted.add(claim.key);
      if (status === 'claimed') this.ledger.storeClaimed.add(claim.key);
    });
  }

  private method(mode: MethodMode, run: () => Promise<void>): Promise<void> {
    if (mode === 'correct') return run();
    if (mode === 'sync-undefined') {
      void run();
      return undefined as unknown as Promise<void>;
    }
    return this.fault(mode, run) as Promise<void>;
  }

  /** How any method answers in the modes they share; `undefined` for the others. */
  private fault<T>(mode: ClaimMode | MethodMode, correct: () => Promise<T>): Promise<T> | undefined {
    switch (mode) {
      case 'correct':
        return correct();
      case 'throw-sync':
        throw new Error('store down');
      case 'reject':
        return Promise.reject(new Error('store down'));
      case 'reject-revoked-proxy':
        return Promise.reject(revokedProxy());
      case 'hang':
        return never();
      case 'late':
        return this.ledger.later(this.spec.delayMs, correct) as Promise<T>;
      case 'thenable-throws':
        return throwingThenable() as unknown as Promise<T>;
      default:
        return undefined;
    }
  }
}

/** A logger whose methods misbehave as the spec says. */
export function loggerFor(spec: LoggerSpec, ledger: Ledger): BatchLogger {
  const method = (mode: LogMode) => {
    const call = (): unknown => {
      switch (mode) {
        case 'ok':
        case 'vanish':
        case 'getter-throws':
          return undefined;
        case 'throw':
          throw new Error('log sink full');
        case 'reject':
          return Promise.reject(new Error('log sink down'));
        case 'reject-late':
          return ledger.later(5, () => {
            throw new Error('log sink down, later');
          });
        case 'hang':
          return never();
        case 'thenable-throws':
          return throwingThenable();
      }
    };
    return call;
  };
  const logger = {};
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    const mode = spec[level];
    const call = method(mode);
    Object.defineProperty(logger, level, {
      enumerable: true,
      get() {
        if (!ledger.armed) return call;
        if (mode === 'vanish') return undefined;
        if (mode === 'getter-throws') throw new Error('logger getter');
        return call;
      },
    });
  }
  return logger as BatchLogger;
}

interface Command {
  readonly input?: {
    readonly QueueName?: string;
    readonly Entries?: ReadonlyArray<{
      readonly Id: string;
      readonly MessageBody?: string;
      readonly MessageAttributes?: Record<string, { readonly StringValue?: string }>;
    }>;
  };
}

/** An SQS client whose `send` misbehaves as the mode says; acknowledged dead letters go to the ledger. */
export function sqsClientFor(mode: SqsMode, ledger: Ledger, ids: readonly string[]) {
  const acknowledge = (entries: NonNullable<Command['input']>['Entries'], listed: readonly string[]): void => {
    for (const entry of entries ?? []) {
      if (entry.MessageBody === undefined || !listed.includes(entry.Id)) continue;
      const position = Number(entry.MessageAttributes?.[IDX]?.StringValue);
      if (Number.isInteger(position)) ledger.deadLettered.add(position);
      else {
        const original = entry.MessageAttributes?.OriginalMessageId?.StringValue;
        ids.forEach((id, index) => {
          if (id === original) ledger.deadLettered.add(index);
        });
      }
    }
  };
  const correct = (command: Command, failFirst: boolean): unknown => {
    const input = command.input ?? {};
    if (input.QueueName !== undefined) {
      return { QueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${input.QueueName}` };
    }
    const entries = input.Entries ?? [];
    const failed = failFirst ? entries.slice(0, 1) : [];
    const successful = failFirst ? entries.slice(1) : entries;
    acknowledge(
      entries,
      successful.map((entry) => entry.Id),
    );
    return {
      Successful: successful.map((entry) => ({ Id: entry.Id, MessageId: `dlq-${entry.Id}` })),
      Failed: failed.map((entry) => ({
        Id: entry.Id,
        Code: 'InternalError',
        Message: 'try again',
        SenderFault: false,
      })),
    };
  };
  return {
    send(command: Command): Promise<unknown> {
      switch (mode) {
        case 'ok':
          return Promise.resolve(correct(command, false));
        case 'late-ok':
          return ledger.later(20, () => correct(command, false));
        case 'partial':
          return Promise.resolve(correct(command, true));
        case 'reject':
          return Promise.reject(new Error('SQS unavailable'));
        case 'reject-revoked-proxy':
          return Promise.reject(revokedProxy());
        case 'throw-sync':
          throw new Error('SQS client closed');
        case 'hang':
          return never();
        case 'empty-lists':
          return Promise.resolve({ Successful: [], Failed: [] });
        case 'no-lists':
          return Promise.resolve({});
        case 'null':
          return Promise.resolve(null);
        case 'number':
          return Promise.resolve(42);
        case 'failed-string':
          return Promise.resolve({ Failed: 'all of them' });
        case 'failed-unknown-id':
          return Promise.resolve({ Successful: [], Failed: [{ Id: '99', Code: 'X', Message: 'y' }] });
        case 'successful-unknown-id': {
          // Lists an Id the request did not have: nothing the engine sent may count as sent.
          return Promise.resolve({ Successful: [{ Id: '99', MessageId: 'dlq-99' }], Failed: [] });
        }
        case 'thenable-throws':
          return throwingThenable() as unknown as Promise<unknown>;
      }
    },
  };
}

/**
 * A circuit state store that does what `mode` says: answers like a store
 * should (`correct`), says the circuit is open (`open`), or breaks: throws,
 * rejects, hangs, answers late or answers garbage. Every broken mode must
 * leave the breaker failing open.
 */
export function circuitStoreFor(mode: CircuitStoreMode, ledger: Ledger): CircuitStateStore {
  const states = new Map<string, CircuitSnapshot>();
  const openUntil = Date.now() + 60_000;
  const answer = <T>(value: () => T): Promise<T> => {
    switch (mode) {
      case 'throw-sync':
        throw new Error('the store threw');
      case 'reject':
        return Promise.reject(new Error('the store rejected'));
      case 'hang':
        return new Promise<T>(() => {});
      case 'late':
        return ledger.later(150, value);
      case 'throwing-thenable':
        return thenGetterThrows() as unknown as Promise<T>;
      default:
        return Promise.resolve(value());
    }
  };
  return {
    read: (name) =>
      answer(() => {
        switch (mode) {
          case 'open':
            return { state: 'open', until: openUntil, opens: 1, version: 1 } as CircuitSnapshot;
          case 'garbage-state':
            return { state: 'OPEN', until: openUntil, opens: 1, version: 1 } as unknown as CircuitSnapshot;
          case 'garbage-until':
            return { state: 'open', until: 1e300, opens: 1, version: 1 } as CircuitSnapshot;
          case 'garbage-proxy':
            return revokedProxy() as CircuitSnapshot;
          default:
            return states.get(name);
        }
      }),
    write: (name, next, expected) =>
      answer(() => {
        if (mode === 'write-garbage') return 'yes' as unknown as boolean;
        if ((states.get(name)?.version ?? 0) !== expected) return false;
        states.set(name, next);
        return true;
      }),
  };
}
