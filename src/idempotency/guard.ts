import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import {
  describeError,
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyPayloadMismatchError,
  IdempotencyStoreError,
} from '../errors.js';
import { isSuccess } from '../outcomes.js';
import type { BatchRecord, RecordOutcome } from '../types.js';
import { settleWithin } from '../util.js';
import type { ResolvedIdempotency } from './options.js';
import { payloadHash } from './payloadHash.js';
import type { ClaimResult, IdempotencyClaim, IdempotencyCompletion, IdempotencyRelease } from './store.js';

/** What the batch loop does with one record once claims are answered. */
export type Gate =
  /** Run it; its key is claimed by this invocation. */
  | { readonly kind: 'run' }
  /** Do not run it; this is its outcome (applied in schedule order, so FIFO rules hold). */
  | { readonly kind: 'decided'; readonly outcome: RecordOutcome }
  /** An earlier record of the batch has the same key: this one's outcome follows that one's. */
  | { readonly kind: 'follow'; readonly leader: number; readonly key: string };

interface Leader {
  readonly index: number;
  readonly key: string;
  readonly hash: string | undefined;
  waiters: Array<(outcome: RecordOutcome) => void>;
  outcome: RecordOutcome | undefined;
}

/**
 * Idempotency for one invocation: computes keys, claims every distinct key in
 * one store call before any record runs, tells the loop what to do with each
 * record, and completes or releases the claims at the end in one call each.
 */
export class BatchIdempotency {
  private readonly token = randomUUID();
  private readonly gates: Array<Gate | undefined>;
  private readonly leaders = new Map<number, Leader>();

  constructor(
    private readonly options: ResolvedIdempotency,
    count: number,
    private readonly clock: Clock,
  ) {
    this.gates = new Array(count);
  }

  /**
   * Computes keys and claims them. Records without a `BatchRecord` (invalid
   * bodies) take no part. Never throws: a store failure fails the records
   * (closed), a bad key fails its record.
   *
   * @param inProgressUntil - When the claims lapse (the invocation's deadline).
   * @param expired - Resolves when the invocation runs out of time (none without a deadline).
   */
  async claim(
    records: ReadonlyArray<BatchRecord<unknown> | undefined>,
    inProgressUntil: number,
    expired: Promise<void> | undefined,
  ): Promise<void> {
    const { options } = this;
    const byKey = new Map<string, Leader>();
    const claims: IdempotencyClaim[] = [];
    const claimed: Leader[] = [];
    for (let index = 0; index < records.length; index++) {
      const record = records[index];
      if (record === undefined) continue;
      const key = this.keyOf(record);
      if (typeof key !== 'string') {
        this.gates[index] = {
          kind: 'decided',
          outcome: { status: 'failed', messageId: record.messageId, index, error: key.error },
        };
        continue;
      }
      const hash = options.validatePayload ? payloadHash(record.body) : undefined;
      const leader = byKey.get(key);
      if (leader !== undefined) {
        this.gates[index] =
          hash !== leader.hash
            ? {
                kind: 'decided',
                outcome: failed(record, index, new IdempotencyPayloadMismatchError(record.messageId, key)),
              }
            : { kind: 'follow', leader: leader.index, key };
        continue;
      }
      const fresh: Leader = { index, key, hash, waiters: [], outcome: undefined };
      byKey.set(key, fresh);
      this.leaders.set(index, fresh);
      claimed.push(fresh);
      claims.push({ key, token: this.token, inProgressUntil, payloadHash: hash });
    }
    if (claims.length === 0) return;

    let results: readonly ClaimResult[];
    try {
      results = await within(options.store.claim(claims, this.clock.now()), options.timeoutMs, expired, 'claim');
      if (!Array.isArray(results) || results.length !== claims.length) {
        throw new IdempotencyStoreError(
          'claim',
          `The idempotency store answered ${Array.isArray(results) ? results.length : typeof results} results for ${claims.length} claims`,
        );
      }
    } catch (error) {
      const storeError =
        error instanceof IdempotencyStoreError
          ? error
          : new IdempotencyStoreError('claim', `The idempotency store failed to claim keys: ${describeError(error)}`, {
              cause: error,
            });
      results = claims.map(() => ({ status: 'error', error: storeError }));
    }
    for (let i = 0; i < claimed.length; i++) {
      const leader = claimed[i] as Leader;
      this.gates[leader.index] = this.gateFor(
        leader,
        results[i] as ClaimResult,
        records[leader.index] as BatchRecord<unknown>,
      );
    }
  }

  /** What to do with the record at `index`; `undefined` for records without a key (invalid bodies). */
  gate(index: number): Gate | undefined {
    return this.gates[index];
  }

  /** Tells waiting followers how their leader ended. Call for every settled outcome, with the record's position. */
  settled(outcome: RecordOutcome, index: number): void {
    const leader = this.leaders.get(index);
    if (leader === undefined || leader.outcome !== undefined) return;
    leader.outcome = outcome;
    for (const wake of leader.waiters) wake(outcome);
    leader.waiters = [];
  }

  /** The outcome of a follower, once its leader has one. */
  follow(record: BatchRecord<unknown>, index: number, gate: Extract<Gate, { kind: 'follow' }>): Promise<RecordOutcome> {
    const leader = this.leaders.get(gate.leader) as Leader;
    const decide = (leaderOutcome: RecordOutcome): RecordOutcome =>
      isSuccess(leaderOutcome)
        ? { status: 'duplicate', messageId: record.messageId, index, key: gate.key }
        : failed(
            record,
            index,
            new IdempotencyInProgressError(
              record.messageId,
              gate.key,
              `belongs to record ${JSON.stringify(leaderOutcome.messageId)} of this batch, which did not succeed; this record is retried with it`,
            ),
          );
    if (leader.outcome !== undefined) return Promise.resolve(decide(leader.outcome));
    return new Promise((resolve) => leader.waiters.push((outcome) => resolve(decide(outcome))));
  }

  /**
   * Completes the claims of records that succeeded and releases those of
   * records that failed or never started, one store call each, side by side.
   * Claims of records still running (`interrupted`) are kept: they lapse at the
   * deadline. Never throws; failures are passed to `report`.
   */
  async finish(
    outcomes: readonly RecordOutcome[],
    interrupted: (index: number) => boolean,
    report: (error: IdempotencyStoreError) => void,
  ): Promise<void> {
    const { store, ttlMs, timeoutMs } = this.options;
    const expiresAt = this.clock.now() + ttlMs;
    const completions: IdempotencyCompletion[] = [];
    const releases: IdempotencyRelease[] = [];
    for (const [index, leader] of this.leaders) {
      if (this.gates[index]?.kind !== 'run') continue;
      const outcome = outcomes[index] as RecordOutcome;
      if (outcome.status === 'succeeded') {
        completions.push({ key: leader.key, token: this.token, expiresAt, payloadHash: leader.hash });
      } else if (!interrupted(index)) {
        releases.push({ key: leader.key, token: this.token });
      }
    }
    const call = async (operation: 'complete' | 'release', run: () => Promise<void>, count: number) => {
      if (count === 0) return;
      try {
        await within(run(), timeoutMs, undefined, operation);
      } catch (error) {
        report(
          error instanceof IdempotencyStoreError
            ? error
            : new IdempotencyStoreError(
                operation,
                `The idempotency store failed to ${operation} ${count} keys: ${describeError(error)}`,
                {
                  cause: error,
                },
              ),
        );
      }
    };
    await Promise.all([
      call('complete', () => store.complete(completions, this.clock.now()), completions.length),
      call('release', () => store.release(releases), releases.length),
    ]);
  }

  private keyOf(record: BatchRecord<unknown>): string | { error: IdempotencyKeyError } {
    const { key } = this.options;
    if (key === undefined) return record.messageId;
    let value: unknown;
    try {
      value = key(record);
    } catch (error) {
      return {
        error: new IdempotencyKeyError(
          record.messageId,
          `the idempotency key function threw: ${describeError(error)}`,
          { cause: error },
        ),
      };
    }
    if (typeof value === 'string' && value !== '') return value;
    return {
      error: new IdempotencyKeyError(
        record.messageId,
        `expected the idempotency key function to return a non-empty string, got ${typeof value === 'string' ? 'an empty string' : typeof value}`,
      ),
    };
  }

  private gateFor(leader: Leader, result: ClaimResult, record: BatchRecord<unknown>): Gate {
    const { index, key, hash } = leader;
    const { messageId } = record;
    switch (result.status) {
      case 'claimed':
        return { kind: 'run' };
      case 'completed':
      case 'in-progress':
        if (hash !== undefined && result.payloadHash !== undefined && hash !== result.payloadHash) {
          return {
            kind: 'decided',
            outcome: failed(record, index, new IdempotencyPayloadMismatchError(messageId, key)),
          };
        }
        if (result.status === 'completed')
          return { kind: 'decided', outcome: { status: 'duplicate', messageId, index, key } };
        return {
          kind: 'decided',
          outcome: failed(
            record,
            index,
            new IdempotencyInProgressError(
              messageId,
              key,
              `is being processed by another invocation (claimed until ${new Date(result.inProgressUntil).toISOString()}); the record is retried later`,
            ),
          ),
        };
      case 'error': {
        const error =
          result.error instanceof IdempotencyStoreError
            ? result.error
            : new IdempotencyStoreError(
                'claim',
                `The idempotency store could not claim key ${JSON.stringify(key)}: ${describeError(result.error)}`,
                {
                  cause: result.error,
                },
              );
        return { kind: 'decided', outcome: failed(record, index, error) };
      }
      default:
        return {
          kind: 'decided',
          outcome: failed(
            record,
            index,
            new IdempotencyStoreError(
              'claim',
              `The idempotency store answered an unknown status for key ${JSON.stringify(key)}`,
            ),
          ),
        };
    }
  }
}

function failed(record: BatchRecord<unknown>, index: number, error: unknown): RecordOutcome {
  return { status: 'failed', messageId: record.messageId, index, error };
}

/** Settles with `promise`, or rejects with an `IdempotencyStoreError` after `ms` or when `expired` resolves. */
function within<T>(
  promise: Promise<T>,
  ms: number,
  expired: Promise<void> | undefined,
  operation: 'claim' | 'complete' | 'release',
): Promise<T> {
  return settleWithin(
    promise,
    ms,
    () => new IdempotencyStoreError(operation, `The idempotency store did not answer a ${operation} within ${ms} ms`),
    expired === undefined
      ? undefined
      : {
          promise: expired,
          error: () =>
            new IdempotencyStoreError(
              operation,
              `The invocation ran out of time while the idempotency store was answering a ${operation}`,
            ),
        },
  );
}
