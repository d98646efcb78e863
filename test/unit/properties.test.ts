import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBatchProcessor, type FifoFailureMode } from '../../src/index.js';
import { flush, lambdaContext, sqsEvent } from '../helpers/events.js';

type Behaviour = 'ok' | 'ok-async' | 'throw' | 'reject' | 'throw-string' | 'throw-undefined' | 'invalid' | 'hang';

const behaviour = fc.constantFrom<Behaviour>(
  'ok',
  'ok-async',
  'ok-async',
  'throw',
  'reject',
  'throw-string',
  'throw-undefined',
  'invalid',
  'hang',
);

const scenario = fc.record({
  records: fc.array(fc.record({ behaviour, group: fc.constantFrom('g1', 'g2', 'g3') }), { maxLength: 30 }),
  fifo: fc.boolean(),
  fifoFailure: fc.constantFrom<FifoFailureMode>('stop-batch', 'stop-group'),
  concurrency: fc.integer({ min: 1, max: 6 }),
  withDeadline: fc.boolean(),
});

const schema = {
  '~standard': {
    version: 1 as const,
    vendor: 'test',
    validate: (value: unknown) =>
      typeof value === 'object' && value !== null && 'behaviour' in value
        ? { value: value as { behaviour: Behaviour; i: number } }
        : { issues: [{ message: 'not a test body' }] },
  },
};

describe('response invariants (property-based)', () => {
  it('reports exactly the records that did not succeed, each once, in event order, and honours limits and FIFO rules', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ records, fifo, fifoFailure, concurrency, withDeadline }) => {
        const event = sqsEvent(
          records.map(({ behaviour: b }, i) => (b === 'invalid' ? 'not json' : { behaviour: b, i })),
          { fifo, groupId: (i) => records[i]?.group ?? 'g1' },
        );
        const ids = event.Records.map((r) => r.messageId);
        const calls: number[] = [];
        const finished = new Set<number>();
        const failedAt = new Map<string, number>(); // group -> call count at first failure
        let firstFailureCall: number | undefined;
        const busyGroups = new Set<string>();
        let running = 0;

        const processBatch = createBatchProcessor(
          async (record) => {
            const { behaviour: b, i } = record.body;
            const group = records[i]?.group ?? 'g1';
            calls.push(i);
            running++;
            expect(running).toBeLessThanOrEqual(concurrency);
            if (fifo) {
              expect(busyGroups.has(group)).toBe(false);
              expect(failedAt.has(group)).toBe(false); // nothing after a failure in its group
              if (fifoFailure === 'stop-batch') expect(firstFailureCall).toBeUndefined();
              busyGroups.add(group);
            }
            const fail = () => {
              if (!failedAt.has(group)) failedAt.set(group, calls.length);
              firstFailureCall ??= calls.length;
            };
            try {
              await flush();
              switch (b) {
                case 'hang':
                  await new Promise(() => {});
                  break;
                case 'throw':
                  fail();
                  throw new Error('boom');
                case 'reject':
                  fail();
                  return await Promise.reject(new Error('boom'));
                case 'throw-string':
                  fail();
                  throw 'boom';
                case 'throw-undefined':
                  fail();
                  throw undefined;
              }
              finished.add(i);
            } finally {
              running--;
              busyGroups.delete(group);
            }
          },
          { schema, concurrency, fifoFailure, timeoutMarginMs: 10 },
        );
        // Without a deadline a hanging record would hang the test, so they only appear with one.
        if (!withDeadline && records.some((r) => r.behaviour === 'hang')) return;

        const { response, outcomes } = await processBatch(
          event,
          withDeadline ? lambdaContext({ remainingMs: 40 }) : undefined,
        );
        const reported = response.batchItemFailures.map((f) => f.itemIdentifier);

        expect(outcomes).toHaveLength(records.length);
        expect(new Set(reported).size).toBe(reported.length);
        expect(reported.every((id) => ids.includes(id))).toBe(true);
        expect(reported).toEqual(ids.filter((_, i) => outcomes[i]?.status !== 'succeeded'));
        for (const [i, outcome] of outcomes.entries()) {
          expect(outcome.index).toBe(i);
          expect(outcome.messageId).toBe(ids[i]);
          if (outcome.status === 'succeeded') expect(finished.has(i)).toBe(true);
          if (records[i]?.behaviour === 'invalid') expect(['invalid', 'skipped']).toContain(outcome.status);
          if (['throw', 'reject', 'throw-string', 'throw-undefined', 'hang'].includes(records[i]?.behaviour ?? '')) {
            expect(outcome.status).not.toBe('succeeded');
          }
        }
        expect(new Set(calls).size).toBe(calls.length); // each record at most once
        expect(calls.every((i) => records[i]?.behaviour !== 'invalid')).toBe(true);
        if (fifo) {
          for (const group of ['g1', 'g2', 'g3']) {
            const inGroup = calls.filter((i) => records[i]?.group === group);
            expect(inGroup).toEqual([...inGroup].sort((a, b) => a - b));
            const members = records.flatMap((r, i) => (r.group === group ? [i] : []));
            const firstBad = members.find((i) => ['failed', 'invalid'].includes(outcomes[i]?.status ?? ''));
            if (firstBad !== undefined) {
              for (const later of members.filter((i) => i > firstBad)) {
                expect(calls).not.toContain(later);
                expect(outcomes[later]?.status).not.toBe('succeeded');
              }
            }
          }
        } else if (!withDeadline) {
          // standard queue, no deadline: every valid record ran
          expect(calls.length).toBe(records.filter((r) => r.behaviour !== 'invalid').length);
        }
        if (concurrency === 1) expect(calls).toEqual([...calls].sort((a, b) => a - b));
      }),
      { numRuns: 150 },
    );
  });
});
