/**
 * Generators for the hostile plug-in suite: a scenario says how every
 * dependency of the engine behaves (the user's function per record, the
 * schema per record, the store per method, the logger per level, each SQS
 * client), and how the batch is run (queue type, concurrency, envelope,
 * idempotency, failure policy, deadline). `plugins.ts` turns a scenario into
 * the objects handed to the engine.
 */
import fc from 'fast-check';

/** What the user's function does with one record. */
export const RUN_BEHAVIOURS = [
  'ok',
  'ok-async',
  'ok-late',
  'throw-error',
  'throw-permanent',
  'throw-string',
  'throw-undefined',
  'throw-null',
  'throw-revoked-proxy',
  'throw-message-getter',
  'throw-name-getter',
  'reject-late',
  'reject-late-non-error',
  'reject-revoked-proxy',
  'hang',
  'hang-until-abort',
  'then-getter-throws',
  'then-throws',
  'revoked-proxy-result',
  'mutate-id-throw',
  'mutate-id-ok',
  'mutate-body-ok',
  'pollute',
] as const;
export type RunBehaviour = (typeof RUN_BEHAVIOURS)[number];

/** Behaviours that never settle unless the invocation's signal aborts: only with a deadline. */
export const HANGING_RUNS: ReadonlySet<RunBehaviour> = new Set(['hang', 'hang-until-abort']);

/** What the schema answers for one record's payload. */
export const SCHEMA_BEHAVIOURS = [
  'value',
  'value-transformed',
  'value-circular',
  'value-tojson-throws',
  'issues',
  'undefined',
  'null',
  'issues-null',
  'issues-empty',
  'empty-object',
  'path-null',
  'path-symbol',
  'path-key-null',
  'path-not-array',
  'issue-null',
  'issue-message-object',
  'issues-string',
  'issues-getter-throws',
  'throw',
  'throw-string',
  'throw-revoked-proxy',
  'reject',
  'hang',
  'async-late-value',
  'async-late-issues',
  'async-undefined',
  'async-path-null',
  'thenable-throws',
] as const;
export type SchemaBehaviour = (typeof SCHEMA_BEHAVIOURS)[number];

/** Schema answers that hand `processRecord` a value. */
export const SCHEMA_VALUES: ReadonlySet<SchemaBehaviour> = new Set([
  'value',
  'value-transformed',
  'value-circular',
  'value-tojson-throws',
  'async-late-value',
  'empty-object',
]);
/** Well-formed issues: the body is invalid, a permanent failure. */
export const SCHEMA_ISSUES: ReadonlySet<SchemaBehaviour> = new Set(['issues', 'async-late-issues']);
/**
 * Malformed results. The record must fail (as invalid, stage `schema`); whether
 * the failure policy may treat it as permanent is left open.
 */
export const SCHEMA_MALFORMED: ReadonlySet<SchemaBehaviour> = new Set([
  'undefined',
  'null',
  'issues-null',
  'issues-empty',
  'path-null',
  'path-symbol',
  'path-key-null',
  'path-not-array',
  'issue-null',
  'issue-message-object',
  'issues-string',
  'async-undefined',
  'async-path-null',
]);
/** The schema threw, rejected, or never answered: an ordinary (retried) failure, never a permanent one. */
export const SCHEMA_BROKEN: ReadonlySet<SchemaBehaviour> = new Set([
  'issues-getter-throws',
  'throw',
  'throw-string',
  'throw-revoked-proxy',
  'reject',
  'hang',
  'thenable-throws',
]);

/** How a record's body is written. */
export const BODY_KINDS = ['valid', 'not-json', 'bad-envelope', 'deep', 'proto', 'non-string'] as const;
export type BodyKind = (typeof BODY_KINDS)[number];

/** What the idempotency key function returns for a record (`messageId` mode uses no key function). */
export const KEY_SPECS = [
  'k0',
  'k1',
  'k2',
  'k3',
  '__proto__',
  'constructor',
  '\ud800',
  '\udfff',
  'empty',
  'number',
  'throw',
  'throw-revoked-proxy',
] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

/** A record's message id: fresh, the same as an earlier record's, or a name that haunts plain objects. */
export type IdSpec =
  | { readonly kind: 'fresh' }
  /** The id of record `of % position` (the first record gets a fresh id). */
  | { readonly kind: 'reuse'; readonly of: number }
  | { readonly kind: 'named'; readonly name: '__proto__' | 'constructor' | 'toString' | 'hasOwnProperty' };

export interface RecordSpec {
  readonly id: IdSpec;
  readonly group: 'g1' | 'g2' | 'g3';
  readonly body: BodyKind;
  readonly schema: SchemaBehaviour;
  readonly run: RunBehaviour;
  readonly key: KeySpec;
  /** Delay of the late behaviours, in ms. */
  readonly delayMs: number;
  readonly receiveCount: string;
}

/** How a store method answers. */
export const METHOD_MODES = [
  'correct',
  'throw-sync',
  'reject',
  'reject-revoked-proxy',
  'hang',
  'late',
  'thenable-throws',
  'sync-undefined',
] as const;
export type MethodMode = (typeof METHOD_MODES)[number];

/** How `claim` answers: a method mode, or garbage. */
export const CLAIM_MODES = [
  ...METHOD_MODES.filter((mode) => mode !== 'sync-undefined'),
  'non-array',
  'short',
  'long',
  'per-key-garbage',
] as const;
export type ClaimMode = (typeof CLAIM_MODES)[number];

/** A garbage answer for one key, replacing what the store would have said. */
export const CLAIM_GARBAGE = [
  'null',
  'undefined',
  'empty-object',
  'unknown-status',
  'string',
  'in-progress-no-until',
  'in-progress-nan',
  'in-progress-huge',
  'in-progress-string-until',
  'error-without-error',
  'error-revoked-proxy',
  'completed-numeric-hash',
  'status-getter-throws',
] as const;
export type ClaimGarbage = (typeof CLAIM_GARBAGE)[number];

export interface StoreSpec {
  readonly claim: ClaimMode;
  /** Per claim position, in `per-key-garbage` mode: `undefined` (or no entry) keeps the store's answer. */
  readonly garbage: ReadonlyArray<ClaimGarbage | undefined>;
  readonly complete: MethodMode;
  readonly release: MethodMode;
  readonly delayMs: number;
  /** `MemoryIdempotencyStore` behind the wrapper; small values make it evict. */
  readonly maxEntries: number;
  /** Keys already held before the invocation (by an earlier one). */
  readonly seeded: ReadonlyArray<{
    readonly key: KeySpec;
    readonly state: 'completed' | 'in-progress';
    readonly hash: 'none' | 'other';
  }>;
}

export interface IdempotencySpec {
  readonly store: StoreSpec;
  readonly keyMode: 'messageId' | 'function';
  readonly validatePayload: boolean;
  /** `undefined` keeps the default (5,000 ms). */
  readonly timeoutMs: number | undefined;
}

/** How an SQS client's `send` answers. */
export const SQS_MODES = [
  'ok',
  'late-ok',
  'partial',
  'reject',
  'reject-revoked-proxy',
  'throw-sync',
  'hang',
  'empty-lists',
  'no-lists',
  'null',
  'number',
  'failed-string',
  'failed-unknown-id',
  'successful-unknown-id',
  'thenable-throws',
] as const;
export type SqsMode = (typeof SQS_MODES)[number];

export interface PolicySpec {
  readonly onPermanentFailure: 'retry' | 'dead-letter' | 'drop';
  readonly deadLetter: SqsMode;
  readonly backoff: SqsMode | undefined;
  readonly backoffQueueUrl: boolean;
}

/** How a logger method behaves. */
export const LOG_MODES = [
  'ok',
  'throw',
  'reject',
  'reject-late',
  'hang',
  'thenable-throws',
  'vanish',
  'getter-throws',
] as const;
export type LogMode = (typeof LOG_MODES)[number];

export interface LoggerSpec {
  readonly debug: LogMode;
  readonly info: LogMode;
  readonly warn: LogMode;
  readonly error: LogMode;
}

/** An event the engine must refuse with `InvalidEventError`. */
export const BAD_EVENTS = [
  'null',
  'string',
  'no-records',
  'records-object',
  'null-record',
  'no-message-id',
  'empty-message-id',
  'numeric-message-id',
] as const;
export type BadEvent = (typeof BAD_EVENTS)[number];

/** Ways a circuit state store's reads fail or answer garbage: the breaker must then stay out of the way. */
export const BROKEN_CIRCUIT_READS = [
  'throw-sync',
  'reject',
  'hang',
  'late',
  'garbage-state',
  'garbage-until',
  'garbage-proxy',
  'throwing-thenable',
] as const;

/** How a circuit state store behaves: well, broken (the breaker must fail open), or answering that the circuit is open. */
export const CIRCUIT_STORE_MODES = ['correct', 'open', ...BROKEN_CIRCUIT_READS, 'write-garbage'] as const;
export type CircuitStoreMode = (typeof CIRCUIT_STORE_MODES)[number] | 'none';

/** A circuit breaker: its store, its settings, and the client that parks records not run. */
export interface CircuitSpec {
  readonly store: CircuitStoreMode;
  readonly failureThreshold: number;
  readonly halfOpenRecords: number;
  readonly whenOpen: 'error' | 'report';
  readonly client: SqsMode | undefined;
  readonly storeTimeoutMs: number;
}

export interface Scenario {
  readonly records: readonly RecordSpec[];
  readonly badEvent: BadEvent | undefined;
  readonly fifo: boolean;
  readonly fifoFailure: 'stop-batch' | 'stop-group';
  readonly concurrency: number;
  readonly envelope: 'sns' | 'eventbridge' | undefined;
  readonly withSchema: boolean;
  readonly logger: LoggerSpec | undefined;
  readonly idempotency: IdempotencySpec | undefined;
  readonly policy: PolicySpec;
  /** A Lambda context counting down in real time, or none. */
  readonly deadline: { readonly remainingMs: number; readonly marginMs: number } | undefined;
  readonly throwOnFullBatchFailure: boolean;
  readonly api: 'handler' | 'processor';
  readonly circuit: CircuitSpec | undefined;
}

/** Behaviours that need a deadline to end: hangs, and SQS calls that never answer (5 s each without one). */
function withoutHangs<T extends string>(values: readonly T[], hangs: readonly string[]): T[] {
  return values.filter((value) => !hangs.includes(value));
}

const DELAYS = fc.constantFrom(0, 1, 5, 20, 60, 150);

function recordSpec(deadline: boolean): fc.Arbitrary<RecordSpec> {
  const runs = deadline ? [...RUN_BEHAVIOURS] : withoutHangs(RUN_BEHAVIOURS, [...HANGING_RUNS]);
  const schemas = deadline ? [...SCHEMA_BEHAVIOURS] : withoutHangs(SCHEMA_BEHAVIOURS, ['hang']);
  return fc.record({
    id: fc.oneof(
      { weight: 6, arbitrary: fc.constant<IdSpec>({ kind: 'fresh' }) },
      { weight: 1, arbitrary: fc.nat({ max: 7 }).map((of): IdSpec => ({ kind: 'reuse', of })) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty' as const)
          .map((name): IdSpec => ({ kind: 'named', name })),
      },
    ),
    group: fc.constantFrom('g1', 'g2', 'g3' as const),
    body: fc.oneof(
      { weight: 10, arbitrary: fc.constant<BodyKind>('valid') },
      { weight: 3, arbitrary: fc.constantFrom<BodyKind>(...BODY_KINDS) },
    ),
    // Half the time an ordinary answer, so that hostile ones meet working neighbours.
    schema: fc.oneof(
      { weight: 3, arbitrary: fc.constant<SchemaBehaviour>('value') },
      { weight: 3, arbitrary: fc.constantFrom<SchemaBehaviour>(...schemas) },
    ),
    run: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom<RunBehaviour>('ok', 'ok-async') },
      { weight: 4, arbitrary: fc.constantFrom<RunBehaviour>(...runs) },
    ),
    key: fc.constantFrom<KeySpec>(...KEY_SPECS),
    delayMs: DELAYS,
    receiveCount: fc.constantFrom('1', '2', '7', '99', 'x'),
  });
}

function storeSpec(deadline: boolean): fc.Arbitrary<StoreSpec> {
  const hang = deadline ? [] : ['hang'];
  const method = fc.oneof(
    { weight: 3, arbitrary: fc.constant<MethodMode>('correct') },
    { weight: 2, arbitrary: fc.constantFrom<MethodMode>(...withoutHangs(METHOD_MODES, hang)) },
  );
  return fc.record({
    claim: fc.oneof(
      { weight: 3, arbitrary: fc.constant<ClaimMode>('correct') },
      { weight: 3, arbitrary: fc.constantFrom<ClaimMode>(...withoutHangs(CLAIM_MODES, hang)) },
    ),
    garbage: fc.array(fc.option(fc.constantFrom<ClaimGarbage>(...CLAIM_GARBAGE), { nil: undefined }), {
      maxLength: 8,
    }),
    complete: method,
    release: method,
    delayMs: DELAYS,
    maxEntries: fc.constantFrom(10_000, 10_000, 3),
    seeded: fc.array(
      fc.record({
        key: fc.constantFrom<KeySpec>('k0', 'k1', 'k2', '__proto__'),
        state: fc.constantFrom('completed', 'in-progress' as const),
        hash: fc.constantFrom('none', 'other' as const),
      }),
      { maxLength: 2 },
    ),
  });
}

function sqsMode(deadline: boolean): fc.Arbitrary<SqsMode> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<SqsMode>('ok') },
    { weight: 3, arbitrary: fc.constantFrom<SqsMode>(...withoutHangs(SQS_MODES, deadline ? [] : ['hang'])) },
  );
}

const logMode = fc.oneof(
  { weight: 1, arbitrary: fc.constant<LogMode>('ok') },
  { weight: 2, arbitrary: fc.constantFrom<LogMode>(...LOG_MODES) },
);

/**
 * A whole scenario. With `deadline`, every run has a Lambda context counting
 * down from a few hundred ms and may hang anything; without, nothing hangs
 * that only a deadline could end, and the store's timeout is short.
 */
export function scenario(options: { readonly deadline: boolean; readonly maxRecords: number }): fc.Arbitrary<Scenario> {
  const { deadline } = options;
  return fc.record({
    records: fc.array(recordSpec(deadline), { maxLength: options.maxRecords }),
    badEvent: fc.oneof(
      { weight: 15, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom<BadEvent>(...BAD_EVENTS) },
    ),
    fifo: fc.boolean(),
    fifoFailure: fc.constantFrom('stop-batch', 'stop-group' as const),
    concurrency: fc.integer({ min: 1, max: 4 }),
    envelope: fc.constantFrom(undefined, undefined, 'sns', 'eventbridge' as const),
    withSchema: fc.boolean(),
    logger: fc.option(fc.record({ debug: logMode, info: logMode, warn: logMode, error: logMode }), {
      nil: undefined,
    }),
    idempotency: fc.option(
      fc.record({
        store: storeSpec(deadline),
        keyMode: fc.constantFrom('messageId', 'function' as const),
        validatePayload: fc.boolean(),
        timeoutMs: deadline ? fc.constantFrom(undefined, 30, 120) : fc.constantFrom(30, 120),
      }),
      { nil: undefined, freq: 2 },
    ),
    policy: fc.record({
      onPermanentFailure: fc.constantFrom('retry', 'dead-letter', 'drop' as const),
      deadLetter: sqsMode(deadline),
      backoff: fc.option(sqsMode(deadline), { nil: undefined }),
      backoffQueueUrl: fc.boolean(),
    }),
    deadline: deadline
      ? fc.record({ remainingMs: fc.integer({ min: 250, max: 600 }), marginMs: fc.integer({ min: 100, max: 200 }) })
      : fc.constant(undefined),
    throwOnFullBatchFailure: fc.boolean(),
    api: fc.constantFrom('handler', 'processor' as const),
    // A breaker in a third of the runs: its store's hangs cost storeTimeoutMs each.
    circuit: fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.record({
          store: fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom<CircuitStoreMode>('none', 'open', 'correct') },
            { weight: 2, arbitrary: fc.constantFrom<CircuitStoreMode>(...CIRCUIT_STORE_MODES) },
          ),
          failureThreshold: fc.integer({ min: 1, max: 3 }),
          halfOpenRecords: fc.integer({ min: 1, max: 2 }),
          whenOpen: fc.constantFrom('error', 'report' as const),
          client: fc.option(sqsMode(deadline), { nil: undefined }),
          storeTimeoutMs: fc.constantFrom(10, 40),
        }),
      },
    ),
  });
}
