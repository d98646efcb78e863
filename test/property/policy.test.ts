/**
 * The failure policy against generated hostile SQS clients (issue #18, "And
 * the habit"). Records fail, succeed, are permanent failures or invalid, with
 * bodies from a few bytes to past SQS's 1 MiB; `onPermanentFailure` is
 * `'dead-letter'`, `'drop'` or `'retry'`, with or without `backoff`; and the
 * SQS client answers each command's calls as generated (see
 * `sqsClients.ts`). Whatever it does:
 *
 * - the handler answers, before the deadline when there is one, with each
 *   failed id once and only ids of the event, and nothing escapes as an
 *   unhandled rejection;
 * - nothing is reported done that did not succeed or was not dropped or
 *   confirmed as sent by SQS (exact id, well-formed reply): `dead-lettered`
 *   only for a record whose send SQS confirmed;
 * - every request the engine makes is one SQS would take (at most 10
 *   entries, 1 MiB, distinct ids, visibility within 0 to 43,200 s);
 * - no body text (a marker in every body, in what the schema throws and in
 *   the issues it quotes) reaches a log line, an error message or a cause,
 *   except the one documented line of a dropped record.
 *
 * `POLICY_RUNS=500 npx vitest run test/property/policy.test.ts` runs it
 * larger; `POLICY_SEED=<seed> POLICY_PATH=<path>` replays a failure.
 */
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import {
  type BatchResult,
  createBatchProcessor,
  PermanentError,
  type RecordOutcome,
  type StandardSchemaV1,
} from '../../src/index.js';
import { lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.js';
import { captureOutput } from '../helpers/stdout.js';
import { reachableStrings, recordingLogger, settlesWithin, settleTicks, watchProcess } from '../helpers/watch.js';
import { type ClientSpec, clientSpec, hostileSqsClient } from './sqsClients.js';

const RUNS = Number(process.env.POLICY_RUNS) || undefined;
const SEED = process.env.POLICY_SEED === undefined ? undefined : Number(process.env.POLICY_SEED);
const PATH = process.env.POLICY_PATH;
const MARKER = 'BODYMARKQZX';
const KIB = 1024;

const KINDS = ['ok', 'fail', 'permanent', 'invalid-json', 'issues', 'schema-throws'] as const;
type Kind = (typeof KINDS)[number];

interface RecordSpec {
  readonly kind: Kind;
  /** Padding of the body, in KiB: from nothing to past SQS's 1 MiB. */
  readonly kib: number;
}

interface PolicyScenario {
  readonly records: readonly RecordSpec[];
  readonly fifo: boolean;
  readonly onPermanentFailure: 'retry' | 'dead-letter' | 'drop';
  readonly backoff: 'none' | 'with-url' | 'resolve-url';
  readonly sqs: ClientSpec;
  readonly logger: 'recording' | 'default';
  readonly deadline: { readonly remainingMs: number; readonly marginMs: number } | undefined;
}

function scenario(deadline: boolean): fc.Arbitrary<PolicyScenario> {
  return fc.record({
    records: fc.array(
      fc.record({
        kind: fc.oneof(
          { weight: 3, arbitrary: fc.constant<Kind>('permanent') },
          { weight: 4, arbitrary: fc.constantFrom<Kind>(...KINDS) },
        ),
        // Large bodies only where no deadline is timed: reading a megabyte is work a loaded machine may take its time over.
        kib: deadline
          ? fc.constant(0)
          : fc.oneof(
              { weight: 8, arbitrary: fc.constant(0) },
              { weight: 2, arbitrary: fc.constantFrom(200, 400, 600, 1023, 1030) },
            ),
      }),
      { minLength: 1, maxLength: 12 },
    ),
    fifo: fc.boolean(),
    onPermanentFailure: fc.constantFrom('dead-letter', 'dead-letter', 'drop', 'retry' as const),
    backoff: fc.constantFrom('none', 'with-url', 'resolve-url' as const),
    sqs: clientSpec(deadline),
    logger: fc.constantFrom('recording', 'default' as const),
    deadline: deadline
      ? fc.record({ remainingMs: fc.integer({ min: 380, max: 480 }), marginMs: fc.integer({ min: 200, max: 250 }) })
      : fc.constant(undefined),
  });
}

/** A schema that answers by the body's `kind`: a value, issues quoting the input, or a throw quoting it. */
const schema: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'policy-property',
    validate(value) {
      const { kind, note } = value as { kind: Kind; note: string };
      if (kind === 'issues')
        return { issues: [{ message: `Expected a known kind, got "${note.slice(0, 12)}"...`, path: ['kind'] }] };
      if (kind === 'schema-throws') throw new SyntaxError(`Unexpected token in "${note.slice(0, 20)}"`);
      return { value };
    },
  },
};

function bodyOf(index: number, spec: RecordSpec): string {
  const note = `${MARKER} record ${index}`;
  const padding = spec.kib > 0 ? 'p'.repeat(spec.kib * KIB) : '';
  if (spec.kind === 'invalid-json') return `${note} is not JSON ${padding}`;
  return JSON.stringify({ kind: spec.kind, note, padding });
}

function eventOf(s: PolicyScenario): { records: SQSRecord[]; ids: string[] } {
  const items = s.records.map((spec, index) =>
    sqsRecord(bodyOf(index, spec), {
      messageAttributes: {
        idx: { dataType: 'Number', stringValue: String(index), stringListValues: [], binaryListValues: [] },
      },
    }),
  );
  const { Records } = sqsEvent(items, s.fifo ? { fifo: true, groupId: (i) => `g${i % 2}` } : {});
  return { records: Records, ids: Records.map((r) => r.messageId) };
}

function permanent(kind: Kind): boolean {
  return kind === 'permanent' || kind === 'invalid-json' || kind === 'issues';
}

/** Lines of the documented exception: a dropped record is logged once, whole. */
const DROPPED = 'Dropped a record that can never succeed';

async function violationsOf(s: PolicyScenario): Promise<string[]> {
  const violations: string[] = [];
  const { records, ids } = eventOf(s);
  const capMs = s.deadline === undefined ? 4000 : s.deadline.remainingMs + 500;
  const { client, ledger } = hostileSqsClient(s.sqs, {
    lateMs: 5,
    afterDeadlineMs: (s.deadline?.remainingMs ?? 0) + 50,
  });
  const logger = s.logger === 'recording' ? recordingLogger() : undefined;
  const ran = new Set<number>();
  const processBatch = createBatchProcessor(
    (record) => {
      const index = Number(record.raw.messageAttributes.idx?.stringValue);
      const { kind } = record.body as { kind: Kind };
      if (kind === 'fail') throw new Error(`record ${index} declined`);
      if (kind === 'permanent') throw new PermanentError(`record ${index} can never succeed`);
      ran.add(index);
    },
    {
      schema,
      logger: logger ?? undefined,
      timeoutMarginMs: s.deadline?.marginMs,
      onPermanentFailure: s.onPermanentFailure,
      deadLetter:
        s.onPermanentFailure === 'dead-letter'
          ? { client, queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq' }
          : undefined,
      backoff:
        s.backoff === 'none'
          ? undefined
          : {
              client,
              jitter: 'none',
              queueUrl:
                s.backoff === 'with-url' ? 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders' : undefined,
            },
    },
  );

  const output = s.logger === 'default' ? captureOutput() : undefined;
  const watch = watchProcess();
  let result: BatchResult | undefined;
  let failure: unknown;
  let remainingAtAnswer: number | undefined;
  try {
    const context = s.deadline && lambdaContext({ remainingMs: s.deadline.remainingMs });
    const settled = await settlesWithin(
      processBatch({ Records: records }, context).then(
        (value) => {
          result = value;
          remainingAtAnswer = context?.getRemainingTimeInMillis();
        },
        (error: unknown) => {
          failure = error;
        },
      ),
      capMs,
    );
    if (!settled) violations.push(`did not answer within ${capMs} ms`);
    await settlesWithin(Promise.all(ledger.pending), 1000);
    await settleTicks(3);
  } finally {
    watch.stop();
    output?.restore();
  }

  for (const { event, reason } of watch.escaped) violations.push(`${event}: ${String(reason)}`);
  if (failure !== undefined) violations.push(`rejected: ${String(failure)}`);
  if (result === undefined) return violations;
  if (s.deadline !== undefined && !((remainingAtAnswer ?? 0) > 0)) violations.push('answered after the deadline');

  // The response: each failed id once, only ids of the event.
  const reported = new Set<string>();
  for (const { itemIdentifier } of result.response.batchItemFailures) {
    if (!ids.includes(itemIdentifier)) violations.push(`reported an id not in the event: ${itemIdentifier}`);
    if (reported.has(itemIdentifier)) violations.push(`reported ${itemIdentifier} twice`);
    reported.add(itemIdentifier);
  }

  // Nothing reported done that did not succeed, was not dropped, or was not confirmed as sent.
  result.outcomes.forEach((outcome: RecordOutcome, index) => {
    const { kind } = s.records[index] as RecordSpec;
    const why = `record ${index} (${kind}, ${s.records[index]?.kib} KiB)`;
    if (outcome.messageId !== ids[index]) violations.push(`${why}: outcome names ${outcome.messageId}`);
    if (outcome.status === 'succeeded' && !ran.has(index)) violations.push(`${why} succeeded without running`);
    if (outcome.status === 'dropped' && !(s.onPermanentFailure === 'drop' && permanent(kind))) {
      violations.push(`${why} was dropped`);
    }
    if (outcome.status === 'dead-lettered') {
      if (!(s.onPermanentFailure === 'dead-letter' && permanent(kind))) violations.push(`${why} was dead-lettered`);
      if (!ledger.confirmedSends.has(index))
        violations.push(`${why} is dead-lettered, but SQS never confirmed its send`);
    }
    const done = outcome.status === 'succeeded' || outcome.status === 'dropped' || outcome.status === 'dead-lettered';
    if (!done && !reported.has(ids[index] as string)) violations.push(`${why} is ${outcome.status} and not reported`);
    if (done && reported.has(ids[index] as string)) {
      violations.push(`${why} is ${outcome.status} yet reported`);
    }
  });

  // Every request is one SQS would take.
  for (const { command, refusal } of ledger.requests) {
    if (refusal !== undefined) violations.push(`sent a ${command} SQS refuses: ${refusal}`);
  }

  // No body text anywhere, but in the documented line of a dropped record.
  const logged = logger
    ? logger.entries.filter((entry) => !entry.message.startsWith(DROPPED)).flatMap((entry) => entry.strings)
    : [...(output?.stdout ?? []), ...(output?.stderr ?? [])].filter((line) => !line.includes(DROPPED));
  if (logged.some((text) => text.includes(MARKER))) violations.push('a log line holds body text');
  const handedOut = reachableStrings(result.outcomes.map((o) => ('error' in o ? o.error : undefined)));
  if (handedOut.some((text) => text.includes(MARKER))) violations.push('an error message or cause holds body text');
  return violations;
}

function parameters(numRuns: number): fc.Parameters<[PolicyScenario]> {
  return {
    numRuns: RUNS ?? numRuns,
    interruptAfterTimeLimit: RUNS === undefined ? 50_000 : 30 * 60_000,
    markInterruptAsFailure: true,
    ...(SEED === undefined ? {} : { seed: SEED }),
    ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }),
  };
}

beforeAll(async () => {
  // The SDK's first load takes longer than a generated deadline.
  await import('@aws-sdk/client-sqs');
  await import('../../src/sqs.js');
}, 20_000);

describe('the failure policy against generated hostile SQS clients (property-based)', () => {
  it.each([
    ['with a Lambda deadline a few hundred ms away (SQS may hang, or answer after it)', true, 20],
    ['without a context (SQS answers, however badly)', false, 50],
  ] as const)(
    '%s',
    async (_title, deadline, runs) => {
      await fc.assert(
        fc.asyncProperty(scenario(deadline), async (s) => {
          const violations = await violationsOf(s);
          if (violations.length > 0) throw new Error(`The policy broke its promise:\n- ${violations.join('\n- ')}`);
        }),
        parameters(runs),
      );
    },
    70_000,
  );
});
