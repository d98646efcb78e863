/**
 * Runs one generated scenario against the engine and lists every way its
 * answer breaks the response invariant (see `hostile.test.ts`).
 */
import { randomUUID } from 'node:crypto';
import {
  type BatchHandlerOptions,
  type BatchResult,
  CircuitOpenError,
  createBatchHandler,
  createBatchProcessor,
  FullBatchFailureError,
  InvalidEventError,
  isSuccess,
  type RecordOutcome,
  type StandardSchemaV1,
} from 'sqs-partial-batch';
import { CircuitBreaker } from 'sqs-partial-batch/circuit-breaker';
import { lambdaContext } from 'sqs-partial-batch/testing';
import { prototypeChanges, settlesWithin, settleTicks, snapshotPrototypes, watchProcess } from '../helpers/watch.js';
import {
  BROKEN_CIRCUIT_READS,
  type RecordSpec,
  SCHEMA_ISSUES,
  SCHEMA_MALFORMED,
  SCHEMA_VALUES,
  type Scenario,
} from './arbitraries.js';
import {
  buildEvent,
  circuitStoreFor,
  HostileStore,
  keyOf,
  keyValue,
  Ledger,
  loggerFor,
  positionOf,
  processRecordFor,
  schemaFor,
  sqsClientFor,
} from './plugins.js';

interface Answer {
  readonly settled: 'resolved' | 'rejected';
  readonly value: unknown;
  /** What the context said was left when the answer came. */
  readonly remainingMs: number | undefined;
  /** Records whose work had finished when the answer came. */
  readonly finished: ReadonlySet<number>;
}

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

/** The options a scenario gives, with its hostile plug-ins. */
function optionsFor(
  s: Scenario,
  ledger: Ledger,
  ids: readonly string[],
  store: HostileStore | undefined,
): BatchHandlerOptions<StandardSchemaV1 | undefined, 'sns' | 'eventbridge' | undefined> {
  const { policy, idempotency } = s;
  return {
    schema: s.withSchema ? schemaFor(ledger) : undefined,
    envelope: s.envelope,
    concurrency: s.concurrency,
    fifoFailure: s.fifoFailure,
    timeoutMarginMs: s.deadline?.marginMs,
    logger: s.logger && loggerFor(s.logger, ledger),
    idempotency:
      idempotency === undefined || store === undefined
        ? undefined
        : {
            store,
            key:
              idempotency.keyMode === 'function'
                ? (record) => keyValue((s.records[positionOf(record.raw)] as RecordSpec).key) as string
                : undefined,
            validatePayload: idempotency.validatePayload,
            timeoutMs: idempotency.timeoutMs,
          },
    onPermanentFailure: policy.onPermanentFailure,
    deadLetter:
      policy.onPermanentFailure === 'dead-letter'
        ? { client: sqsClientFor(policy.deadLetter, ledger, ids), queueUrl: `${QUEUE_URL}-dlq` }
        : undefined,
    backoff:
      policy.backoff === undefined
        ? undefined
        : {
            client: sqsClientFor(policy.backoff, ledger, ids),
            queueUrl: policy.backoffQueueUrl ? QUEUE_URL : undefined,
          },
    circuitBreaker: circuitFor(s, ledger, ids),
  };
}

/** A fresh circuit breaker for the scenario, on its hostile store and SQS client. */
function circuitFor(s: Scenario, ledger: Ledger, ids: readonly string[]): CircuitBreaker | undefined {
  const { circuit } = s;
  if (circuit === undefined) return undefined;
  return new CircuitBreaker({
    failureThreshold: circuit.failureThreshold,
    halfOpenRecords: circuit.halfOpenRecords,
    storeTimeoutMs: circuit.storeTimeoutMs,
    store: circuit.store === 'none' ? undefined : circuitStoreFor(circuit.store, ledger),
    client: circuit.client === undefined ? undefined : sqsClientFor(circuit.client, ledger, ids),
    whenOpen: s.api === 'handler' ? circuit.whenOpen : undefined,
  });
}

/** Store modes in which reading the state fails or answers garbage. */
const BROKEN_READS = new Set<string>(BROKEN_CIRCUIT_READS);

/** Whether the circuit may have kept records from running: it is not, when its store cannot be read. */
function circuitMayShut(s: Scenario): boolean {
  return s.circuit !== undefined && !BROKEN_READS.has(s.circuit.store);
}

/** Whether the record's body fails before the schema (not a string, not JSON, not the envelope). */
function bodyInvalid(s: Scenario, spec: RecordSpec): boolean {
  if (spec.body === 'non-string') return true;
  if (!s.withSchema && s.envelope === undefined) return false;
  if (spec.body === 'not-json') return true;
  if (spec.body === 'bad-envelope') return s.envelope !== undefined || s.withSchema;
  return false;
}

/** Whether `processRecord` may be handed this record: its body reads and the schema gave a value. */
function reachesRun(s: Scenario, spec: RecordSpec): boolean {
  if (bodyInvalid(s, spec)) return false;
  return !s.withSchema || SCHEMA_VALUES.has(spec.schema);
}

/** A record that can never succeed: an unreadable body, schema issues, or a `PermanentError`. */
function permanent(s: Scenario, ledger: Ledger, index: number): boolean {
  const spec = s.records[index] as RecordSpec;
  if (ledger.threwPermanent.has(index) || bodyInvalid(s, spec)) return true;
  // Malformed schema results fail the record as invalid; whether that counts as permanent is left open.
  return s.withSchema && (SCHEMA_ISSUES.has(spec.schema) || SCHEMA_MALFORMED.has(spec.schema));
}

function describe_(value: unknown): string {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return typeof value === 'string' ? value : `${String(JSON.stringify(value))} (${typeof value})`;
  } catch {
    return `${typeof value} that cannot be described`;
  }
}

/** Runs one scenario and returns every way the engine's answer breaks the invariant. */
export async function violationsOf(s: Scenario): Promise<string[]> {
  const violations: string[] = [];
  const ledger = new Ledger(s.records.length);
  const { event, ids } = buildEvent(s, randomUUID().slice(0, 8));
  const store = s.idempotency === undefined ? undefined : new HostileStore(s.idempotency.store, ledger);
  await store?.seed(Date.now());
  const options = optionsFor(s, ledger, ids, store);
  const processRecord = processRecordFor(s, ledger) as never;
  const invoke: (...args: Parameters<ReturnType<typeof createBatchHandler>>) => Promise<unknown> =
    s.api === 'handler'
      ? createBatchHandler(processRecord, { ...options, throwOnFullBatchFailure: s.throwOnFullBatchFailure })
      : createBatchProcessor(processRecord, options);
  ledger.armed = true;

  const watch = watchProcess();
  const prototypes = snapshotPrototypes();
  let answer: Answer | undefined;
  let capped = 0;
  try {
    const context = s.deadline && lambdaContext({ remainingMs: s.deadline.remainingMs });
    const settle = (settled: Answer['settled']) => (value: unknown) => {
      answer = {
        settled,
        value,
        remainingMs: context?.getRemainingTimeInMillis(),
        finished: new Set(ledger.finished),
      };
    };
    const capMs = s.deadline === undefined ? 8000 : s.deadline.remainingMs + 1000;
    capped = capMs;
    await settlesWithin(
      Promise.resolve()
        .then(() => invoke(event, context))
        .then(settle('resolved'), settle('rejected')),
      capMs,
    );
    // Late behaviours settle now; a rejection nobody handles surfaces during this run.
    await settlesWithin(Promise.all(ledger.pending), 500);
    await settleTicks(3);
  } finally {
    watch.stop();
  }

  for (const { event: kind, reason } of watch.escaped) violations.push(`${kind}: ${describe_(reason)}`);
  const changed = prototypeChanges(prototypes);
  if (changed.length > 0) violations.push(`prototypes changed: ${changed.join(', ')}`);
  if (answer === undefined) {
    violations.push(`the handler did not settle within ${capped} ms`);
    return violations;
  }
  if (s.deadline !== undefined && !((answer.remainingMs ?? 0) > 0)) {
    violations.push(`answered after the deadline (context said ${answer.remainingMs} ms left)`);
  }

  if (s.badEvent !== undefined) {
    if (answer.settled !== 'rejected' || !(answer.value instanceof InvalidEventError)) {
      violations.push(`a bad event (${s.badEvent}) was answered with ${answer.settled} ${describe_(answer.value)}`);
    }
    return violations;
  }

  const count = s.records.length;
  if (answer.settled === 'rejected') {
    const error = answer.value;
    if (error instanceof CircuitOpenError) {
      if (s.api !== 'handler' || s.circuit?.whenOpen !== 'error' || !circuitMayShut(s) || count === 0) {
        violations.push('CircuitOpenError thrown where it must not be');
      } else if (ledger.calls.some((calls) => calls > 0)) {
        violations.push('CircuitOpenError thrown although some record ran');
      }
      checkRuns(s, ids, ledger, violations);
      return violations;
    }
    if (!(error instanceof FullBatchFailureError)) {
      violations.push(`the handler rejected with ${describe_(error)}`);
    } else if (s.api !== 'handler' || !s.throwOnFullBatchFailure || count === 0) {
      violations.push('FullBatchFailureError thrown where it must not be');
    } else if (error.outcomes.length !== count || error.outcomes.some(isSuccess)) {
      violations.push('FullBatchFailureError thrown while some record succeeded');
    }
    checkRuns(s, ids, ledger, violations);
    return violations;
  }

  const response = s.api === 'handler' ? answer.value : (answer.value as BatchResult).response;
  const failures = (response as { batchItemFailures?: unknown })?.batchItemFailures;
  if (!Array.isArray(failures)) {
    violations.push(`the response has no batchItemFailures array: ${describe_(response)}`);
    return violations;
  }
  const known = new Set(ids);
  const reported = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown })?.itemIdentifier;
    if (typeof id !== 'string' || !known.has(id)) violations.push(`reported an id not in the event: ${describe_(id)}`);
    else if (reported.has(id)) violations.push(`reported ${JSON.stringify(id)} twice`);
    else reported.add(id);
  }

  const done = doneCheck(s, ids, ledger, answer.finished);
  for (let index = 0; index < count; index++) {
    const id = ids[index] as string;
    if (reported.has(id)) continue;
    const why = done(index);
    if (why !== undefined) violations.push(`record ${index} (${JSON.stringify(id)}) is not reported, yet ${why}`);
  }
  if (s.api === 'processor') checkOutcomes(s, ids, ledger, answer, violations);
  if (count === 0 && failures.length !== 0) violations.push('an empty event got failures');
  checkRuns(s, ids, ledger, violations);
  if (store !== undefined && s.deadline === undefined) await checkClaimsSettled(s, ids, ledger, store, violations);
  return violations;
}

/**
 * For a record not reported: `undefined` when it is done (its work finished, its
 * key's work was done, or the failure policy deliberately removed it), else why not.
 */
function doneCheck(s: Scenario, ids: readonly string[], ledger: Ledger, finished: ReadonlySet<number>) {
  return (index: number): string | undefined => {
    if (finished.has(index)) return undefined;
    const key = keyOf(s, ids, index);
    if (key !== undefined) {
      if (ledger.storeCompleted.has(key)) return undefined;
      for (let other = 0; other < s.records.length; other++) {
        if (finished.has(other) && keyOf(s, ids, other) === key) return undefined;
      }
    }
    const spec = s.records[index] as RecordSpec;
    const isPermanent = permanent(s, ledger, index);
    if (s.policy.onPermanentFailure === 'drop' && isPermanent) return undefined;
    if (s.policy.onPermanentFailure === 'dead-letter' && isPermanent && ledger.deadLettered.has(index))
      return undefined;
    return `its work did not finish (run: ${spec.run}, body: ${spec.body}, schema: ${s.withSchema ? spec.schema : 'none'}, permanent: ${isPermanent}, dead-lettered: ${ledger.deadLettered.has(index)})`;
  };
}

/** Outcomes name the records by the ids of the event, and say nothing the ledger contradicts. */
function checkOutcomes(s: Scenario, ids: readonly string[], ledger: Ledger, answer: Answer, violations: string[]) {
  const outcomes = (answer.value as BatchResult).outcomes as readonly RecordOutcome[];
  if (outcomes.length !== s.records.length) {
    violations.push(`${outcomes.length} outcomes for ${s.records.length} records`);
    return;
  }
  outcomes.forEach((outcome, index) => {
    if (outcome.messageId !== ids[index] || outcome.index !== index) {
      violations.push(`outcome ${index} names ${JSON.stringify(outcome.messageId)} at index ${outcome.index}`);
    }
    if (outcome.status === 'skipped' && outcome.reason === 'circuit-open' && !circuitMayShut(s)) {
      violations.push(`outcome ${index} is short-circuited, but the circuit's store could not be read`);
    }
    if (outcome.status === 'succeeded' && !answer.finished.has(index)) {
      violations.push(`outcome ${index} is succeeded, but its work did not finish`);
    }
    if (outcome.status === 'dropped' && !(s.policy.onPermanentFailure === 'drop' && permanent(s, ledger, index))) {
      violations.push(`outcome ${index} was dropped, but it is not a permanent failure`);
    }
    if (
      outcome.status === 'dead-lettered' &&
      !(s.policy.onPermanentFailure === 'dead-letter' && permanent(s, ledger, index) && ledger.deadLettered.has(index))
    ) {
      violations.push(`outcome ${index} is dead-lettered, but SQS did not list it as sent or it is not permanent`);
    }
  });
}

/** Each record ran at most once, only with a readable body and a key, and each key's work at most once. */
function checkRuns(s: Scenario, ids: readonly string[], ledger: Ledger, violations: string[]) {
  const perKey = new Map<string, number>();
  ledger.calls.forEach((calls, index) => {
    if (calls === 0) return;
    const spec = s.records[index] as RecordSpec;
    if (calls > 1) violations.push(`record ${index} ran ${calls} times`);
    if (!reachesRun(s, spec)) violations.push(`record ${index} ran although its body is invalid`);
    if (s.idempotency === undefined) return;
    const key = keyOf(s, ids, index);
    if (key === undefined) violations.push(`record ${index} ran although its key function failed`);
    else perKey.set(key, (perKey.get(key) ?? 0) + calls);
  });
  for (const [key, calls] of perKey) {
    if (calls > 1) violations.push(`the work of key ${JSON.stringify(key)} ran ${calls} times`);
  }
}

/**
 * Without a deadline nothing is still running at the answer, so every key the
 * store said this invocation claimed must end completed or released (when the
 * store's complete and release work).
 */
async function checkClaimsSettled(
  s: Scenario,
  ids: readonly string[],
  ledger: Ledger,
  store: HostileStore,
  violations: string[],
): Promise<void> {
  const spec = s.idempotency?.store;
  if (spec === undefined || spec.complete !== 'correct' || spec.release !== 'correct') return;
  if (spec.claim !== 'correct' && spec.claim !== 'per-key-garbage') return;
  const now = Date.now();
  for (const key of ledger.storeClaimed) {
    const [probe] = await store.inner.claim(
      [{ key, token: `probe-${randomUUID()}`, inProgressUntil: now + 1000, payloadHash: undefined }],
      now,
    );
    if (probe?.status === 'in-progress') {
      violations.push(`key ${JSON.stringify(key)} was claimed and left in progress`);
      continue;
    }
    const ran = ids.some((_, index) => keyOf(s, ids, index) === key && ledger.finished.has(index));
    if (ran && spec.maxEntries > 100 && probe?.status !== 'completed') {
      violations.push(`key ${JSON.stringify(key)}: its work finished but it was not completed`);
    }
  }
}

/**
 * Runs an ordinary scenario through every feature once, so that the first
 * generated run's deadline is not spent loading modules and compiling code.
 */
export async function warmUp(): Promise<void> {
  await import('sqs-partial-batch/sqs');
  await import('@aws-sdk/client-sqs');
  const record: RecordSpec = {
    id: { kind: 'fresh' },
    group: 'g1',
    body: 'valid',
    schema: 'value',
    run: 'ok',
    key: 'k0',
    delayMs: 0,
    receiveCount: '1',
  };
  const warm: Scenario = {
    records: [record, { ...record, run: 'throw-permanent' }, { ...record, run: 'throw-error' }],
    badEvent: undefined,
    fifo: false,
    fifoFailure: 'stop-batch',
    concurrency: 2,
    envelope: 'sns',
    withSchema: true,
    logger: { debug: 'ok', info: 'ok', warn: 'ok', error: 'ok' },
    idempotency: {
      store: {
        claim: 'correct',
        garbage: [],
        complete: 'correct',
        release: 'correct',
        delayMs: 0,
        maxEntries: 10_000,
        seeded: [],
      },
      keyMode: 'messageId',
      validatePayload: true,
      timeoutMs: undefined,
    },
    policy: { onPermanentFailure: 'dead-letter', deadLetter: 'ok', backoff: 'ok', backoffQueueUrl: false },
    deadline: { remainingMs: 5000, marginMs: 100 },
    throwOnFullBatchFailure: false,
    api: 'handler',
    circuit: undefined,
  };
  for (let i = 0; i < 5; i++) await violationsOf(warm);
}
