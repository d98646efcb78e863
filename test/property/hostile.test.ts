/**
 * The response invariant under hostile plug-ins. Every dependency of the
 * engine — the user's function, the schema, the idempotency store, the
 * logger, the SQS clients of backoff and dead-lettering — is generated to
 * answer correctly, throw, reject, hang, answer late or answer garbage, on
 * standard and FIFO batches, with and without idempotency and a failure
 * policy, with and without a short Lambda deadline. Whatever they do:
 *
 * - the handler settles: it answers, or throws `FullBatchFailureError` (every
 *   record failed, `throwOnFullBatchFailure` on) or `InvalidEventError` (a bad event);
 * - every record succeeded (its work ran, counted by the test) or its id is
 *   in `batchItemFailures`; only ids of the event are there, each once;
 * - with a deadline, the answer comes while the context still has time left;
 * - nothing escapes as an unhandled rejection; `Object.prototype` is untouched.
 *
 * `HOSTILE_RUNS=2000 npx vitest run test/property/hostile.test.ts` runs it
 * larger; `HOSTILE_SEED=<seed> HOSTILE_PATH=<path>` replays a reported failure
 * (`-t deadline` or `-t context` picks the property it came from).
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { type Scenario, scenario } from './arbitraries.js';
import { violationsOf, warmUp } from './invariant.js';

const LARGE = Number(process.env.HOSTILE_RUNS) || undefined;
const SEED = process.env.HOSTILE_SEED === undefined ? undefined : Number(process.env.HOSTILE_SEED);
const PATH = process.env.HOSTILE_PATH;
/** Default sizes keep the file well under a minute on two shared cores. */
const RUNS_WITH_DEADLINE = LARGE ?? 200;
const RUNS_WITHOUT_CONTEXT = LARGE ?? 400;
/** A failing property stops shrinking after this long and reports what it has. */
const TIME_LIMIT_MS = LARGE === undefined ? 40_000 : 30 * 60_000;

beforeAll(warmUp, 20_000);

async function property(s: Scenario): Promise<void> {
  const violations = await violationsOf(s);
  if (violations.length > 0) throw new Error(`The invariant broke:\n- ${violations.join('\n- ')}`);
}

function parameters(numRuns: number): fc.Parameters<[Scenario]> {
  return {
    numRuns,
    interruptAfterTimeLimit: TIME_LIMIT_MS,
    markInterruptAsFailure: true,
    ...(SEED === undefined ? {} : { seed: SEED }),
    ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }),
  };
}

describe('hostile plug-ins (property-based)', () => {
  it.each([
    [
      'with a Lambda deadline a few hundred ms away, every record succeeds or is reported, before the deadline',
      true,
      RUNS_WITH_DEADLINE,
    ],
    [
      'without a context, every record succeeds or is reported, and every claim is completed or released',
      false,
      RUNS_WITHOUT_CONTEXT,
    ],
  ] as const)(
    '%s',
    async (_title, deadline, runs) => {
      await fc.assert(fc.asyncProperty(scenario({ deadline, maxRecords: 8 }), property), parameters(runs));
    },
    TIME_LIMIT_MS + 20_000,
  );
});
