/**
 * Large payloads (#22) under a hostile S3: every GetObject and DeleteObject
 * is generated to answer, hang, throw, answer 403, 404 or 500, or answer
 * garbage (no body, a body that is not bytes, an endless body, a length past
 * `maxBytes`), beside malformed pointers, buckets not allowed, look-alike
 * bodies, a failing user function, idempotency and `deleteAfterSuccess`, with
 * and without a short Lambda deadline. Whatever S3 does:
 *
 * - the handler answers (with a deadline, while the context still has time);
 * - every record succeeded (its work finished) or its id is reported; only
 *   ids of the event are reported, each once;
 * - no object is deleted unless a record pointing to it succeeded, and none
 *   that a record not done points to;
 * - no log line holds an object's content or key; nothing escapes as an
 *   unhandled rejection.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  type BatchResult,
  createBatchHandler,
  createBatchProcessor,
  FullBatchFailureError,
  MemoryIdempotencyStore,
  PermanentError,
} from 'sqs-partial-batch';
import 'sqs-partial-batch/large-payloads';
import { lambdaContext, sqsRecord } from 'sqs-partial-batch/testing';
import { beforeAll, describe, it } from 'vitest';
import { fakeS3, javaPointer, type S3Behaviour } from '../helpers/fakeS3.js';
import { recordingLogger, settlesWithin, settleTicks, watchProcess } from '../helpers/watch.js';

const BUCKET = 'payloads';
const SECRET = 'SECRET-CONTENT';
const FETCHES: readonly S3Behaviour[] = [
  'ok',
  'ok',
  'hang',
  'throw',
  '403',
  '404',
  '500',
  'garbage',
  'no-body',
  'not-bytes',
  'huge-length',
  'endless',
  'reject-later',
];
const DELETES: readonly S3Behaviour[] = ['ok', 'hang', 'throw', '403', '500', 'reject-later'];

interface Spec {
  readonly body: 'pointer' | 'plain' | 'malformed' | 'foreign' | 'lookalike';
  readonly fetch: S3Behaviour;
  readonly run: 'ok' | 'throw' | 'permanent' | 'hang';
  /** Points to the object of record 0 (a shared object). */
  readonly shared: boolean;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  body: fc.constantFrom('pointer', 'pointer', 'pointer', 'plain', 'malformed', 'foreign', 'lookalike'),
  fetch: fc.constantFrom(...FETCHES),
  run: fc.constantFrom('ok', 'ok', 'ok', 'throw', 'permanent', 'hang'),
  shared: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
});

interface Scenario {
  readonly records: readonly Spec[];
  readonly deleteBehaviour: S3Behaviour;
  readonly deleteAfterSuccess: boolean;
  readonly idempotency: boolean;
  readonly concurrency: number;
  readonly api: 'handler' | 'processor';
  readonly onPermanentFailure: 'retry' | 'drop';
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  records: fc.array(spec, { minLength: 1, maxLength: 6 }),
  deleteBehaviour: fc.constantFrom(...DELETES),
  deleteAfterSuccess: fc.boolean(),
  idempotency: fc.boolean(),
  concurrency: fc.integer({ min: 1, max: 4 }),
  api: fc.constantFrom('handler' as const, 'processor' as const),
  onPermanentFailure: fc.constantFrom('retry' as const, 'drop' as const),
});

function bodyOf(s: Spec, index: number): string {
  const key = `key-${s.shared ? 0 : index}`;
  switch (s.body) {
    case 'pointer':
      return javaPointer(BUCKET, key, index % 2 === 1);
    case 'plain':
      return `plain ${index}`;
    case 'malformed':
      return `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"${BUCKET}","s3Key":${index}}]`;
    case 'foreign':
      return javaPointer('attacker', key);
    case 'lookalike':
      return '["S3Pointer","not one"]';
  }
}

async function violationsOf(sc: Scenario, deadline: boolean): Promise<string[]> {
  const violations: string[] = [];
  const objects: Record<string, string> = {};
  sc.records.forEach((_, i) => {
    objects[`${BUCKET}/key-${i}`] = `{"secret":"${SECRET}-${i}"}`;
  });
  const s3 = fakeS3(objects);
  const behaviour = new Map<string, S3Behaviour>();
  for (const [i, r] of sc.records.entries()) behaviour.set(`key-${i}`, r.fetch);
  s3.behave = (command, _bucket, key) =>
    command === 'DeleteObjectCommand' ? sc.deleteBehaviour : (behaviour.get(key) ?? 'ok');
  const finished = new Set<number>();
  const ids: string[] = sc.records.map(() => randomUUID());
  const logger = recordingLogger();
  const options = {
    logger,
    concurrency: sc.concurrency,
    timeoutMarginMs: 50,
    onPermanentFailure: sc.onPermanentFailure,
    idempotency: sc.idempotency ? { store: new MemoryIdempotencyStore(), timeoutMs: 100 } : undefined,
    largePayloads: {
      s3,
      allowedBuckets: [BUCKET],
      deleteAfterSuccess: sc.deleteAfterSuccess,
      maxBytes: 4096,
      timeoutMs: 40,
    },
  };
  const work = async (record: { messageId: string }) => {
    const index = ids.indexOf(record.messageId);
    const { run } = sc.records[index] as Spec;
    await new Promise((resolve) => setImmediate(resolve));
    if (run === 'throw') throw new Error('not now');
    if (run === 'permanent') throw new PermanentError('never');
    if (run === 'hang') await new Promise((resolve) => setTimeout(resolve, deadline ? 400 : 60));
    finished.add(index);
  };
  const invoke =
    sc.api === 'handler'
      ? createBatchHandler(work, { ...options, throwOnFullBatchFailure: false })
      : createBatchProcessor(work, options);
  const event = { Records: sc.records.map((r, i) => sqsRecord(bodyOf(r, i), { messageId: ids[i] as string })) };
  const context = deadline ? lambdaContext({ remainingMs: 150 }) : undefined;
  const watch = watchProcess();
  let answer: unknown;
  let remaining: number | undefined;
  try {
    const settled = await settlesWithin(
      Promise.resolve(invoke(event, context)).then(
        (value) => {
          answer = value;
          remaining = context?.getRemainingTimeInMillis();
        },
        (error: unknown) => {
          answer = error;
        },
      ),
      deadline ? 1000 : 5000,
    );
    if (!settled) violations.push('the handler did not settle');
    await settleTicks(3);
  } finally {
    watch.stop();
  }
  for (const { event: kind } of watch.escaped) violations.push(`escaped: ${kind}`);
  if (answer instanceof Error && !(answer instanceof FullBatchFailureError)) violations.push(`rejected: ${answer}`);
  if (deadline && !((remaining ?? 0) > 0)) violations.push(`answered after the deadline (${remaining} ms left)`);
  const response = sc.api === 'handler' ? answer : (answer as BatchResult | undefined)?.response;
  const failures = (response as { batchItemFailures?: Array<{ itemIdentifier: string }> })?.batchItemFailures ?? [];
  const reported = new Set<string>();
  for (const { itemIdentifier } of failures) {
    if (!ids.includes(itemIdentifier)) violations.push(`reported an id not in the event: ${itemIdentifier}`);
    if (reported.has(itemIdentifier)) violations.push(`reported ${itemIdentifier} twice`);
    reported.add(itemIdentifier);
  }
  const done = (index: number) => !reported.has(ids[index] as string);
  sc.records.forEach((r, index) => {
    if (!done(index) || finished.has(index)) return;
    // Deleted from the queue without its work finishing: only a permanent failure dropped on purpose.
    const permanent = r.run === 'permanent' || r.body === 'malformed' || r.body === 'foreign' || r.body === 'pointer';
    if (!(sc.onPermanentFailure === 'drop' && permanent)) violations.push(`record ${index} neither done nor reported`);
  });
  // Nothing deleted unless a record pointing to it succeeded, and nothing a record not done points to.
  for (const deleted of s3.calls.filter((c) => c.command === 'DeleteObjectCommand')) {
    const pointing = sc.records
      .map((r, index) => ({ r, index }))
      .filter(({ r, index }) => r.body === 'pointer' && `key-${r.shared ? 0 : index}` === deleted.key);
    if (!pointing.some(({ index }) => finished.has(index) && done(index))) {
      violations.push(`deleted ${deleted.key}, which no succeeded record points to`);
    }
    if (pointing.some(({ index }) => !done(index)))
      violations.push(`deleted ${deleted.key}, which a reported record needs`);
  }
  if (!sc.deleteAfterSuccess && s3.calls.some((c) => c.command === 'DeleteObjectCommand')) {
    violations.push('deleted without deleteAfterSuccess');
  }
  for (const entry of logger.entries) {
    // A dropped record is logged whole, pointer included (its only trace, as documented); never the content.
    const dropped = entry.message.startsWith('Dropped a record');
    if (entry.strings.some((text) => text.includes(SECRET) || (!dropped && /key-\d/.test(text)))) {
      violations.push(`a log line holds an object's content or key: ${entry.message}`);
    }
  }
  return violations;
}

// The first pointer imports @aws-sdk/client-s3, which blocks the event loop for a while: not in a generated deadline.
beforeAll(async () => {
  await import('@aws-sdk/client-s3');
  await violationsOf(
    {
      records: [{ body: 'pointer', fetch: 'ok', run: 'ok', shared: false }],
      deleteBehaviour: 'ok',
      deleteAfterSuccess: true,
      idempotency: true,
      concurrency: 1,
      api: 'handler',
      onPermanentFailure: 'retry',
    },
    false,
  );
}, 20_000);

describe('large payloads under a hostile S3 (property-based)', () => {
  it.each([
    ['with a Lambda deadline 100 ms from the margin', true, 40],
    ['without a context', false, 100],
  ] as const)(
    '%s: every record succeeded or reported, nothing deleted that did not succeed',
    async (_t, deadline, runs) => {
      await fc.assert(
        fc.asyncProperty(scenario, async (sc) => {
          const violations = await violationsOf(sc, deadline);
          if (violations.length > 0) throw new Error(`The invariant broke:\n- ${violations.join('\n- ')}`);
        }),
        { numRuns: runs, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
      );
    },
    40_000,
  );
});
