import { nodeCrypto } from '../builtins.js';
import type { Clock } from '../clock.js';
import type { Budget } from '../contracts/budget.js';
import {
  describeError,
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyPayloadError,
  IdempotencyPayloadMismatchError,
  IdempotencyStoreError,
  type RecordValidationError,
} from '../errors.js';
import { isSuccess } from '../outcomes.js';
import { ParseFailure } from '../parse.js';
import { scrubText } from '../scrub.js';
import type { BatchRecord, RecordOutcome } from '../types.js';
import { isInstance, isWellFormed, settleWithin } from '../util.js';
import { describeKind, readClaimResult } from './claimResult.js';
import type { ResolvedIdempotency } from './options.js';
import { payloadHash } from './payloadHash.js';
import type { IdempotencyClaim, IdempotencyCompletion, IdempotencyRelease } from './store.js';

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
  /**
   * Set for a record whose offloaded object is missing (default key only):
   * a duplicate when its key completed (its first run deleted the object),
   * invalid when the key was free, retried when the store cannot tell.
   */
  readonly missing?: ParseFailure;
}

/** Longest a key may be: no backend stores more in one key (DynamoDB: 2 KB partition keys, well above sensible keys). */
const MAX_KEY_LENGTH = 2048;

/**
 * Idempotency for one invocation: computes keys, claims every distinct key in
 * one store call before any record runs, tells the loop what to do with each
 * record, and completes or releases the claims at the end in one call each.
 *
 * Messages never quote a key: a key is often built from the body, and no
 * part of a body may reach a log line or an error message. The errors carry
 * the key as a property.
 */
export class BatchIdempotency {
  private readonly token = nodeCrypto().randomUUID();
  private readonly gates: Array<Gate | undefined>;
  private readonly leaders = new Map<number, Leader>();
  /** Keys this invocation may hold although it will not run their records: a claim answer it could not trust. */
  private readonly untrusted: string[] = [];
  /** Set once `finish` begins: claims are then completed or released, never renewed. */
  private finishing = false;
  /** A renewal in flight; `finish` waits for it, so a late renewal cannot re-create a released claim. */
  private renewing: Promise<unknown> | undefined;

  constructor(
    private readonly options: ResolvedIdempotency,
    count: number,
    private readonly clock: Clock,
  ) {
    this.gates = new Array(count);
  }

  /**
   * Computes keys and claims them. Entries that are not records (bodies
   * that could not be read) take no part. Never rejects: a store failure
   * fails the records (closed), a bad key fails its record.
   *
   * @param inProgressUntil - When the claims lapse (the invocation's deadline).
   * @param expired - Resolves when the invocation runs out of time (none without a deadline).
   */
  async claim(
    records: ReadonlyArray<BatchRecord<unknown> | unknown>,
    inProgressUntil: number,
    expired: Promise<void> | undefined,
  ): Promise<void> {
    const { options } = this;
    const byKey = new Map<string, Leader>();
    const claims: IdempotencyClaim[] = [];
    const claimed: Leader[] = [];
    for (let index = 0; index < records.length; index++) {
      const record = records[index];
      if (!isBatchRecord(record)) {
        // An offloaded object that is missing: with the default key, the store tells whether its record is a duplicate.
        if (record instanceof ParseFailure && record.missing && options.key === undefined) {
          const key = (record.error as RecordValidationError).messageId;
          if (byKey.has(key)) continue;
          const gone: Leader = { index, key, hash: undefined, waiters: [], outcome: undefined, missing: record };
          byKey.set(key, gone);
          claimed.push(gone);
          claims.push({ key, token: this.token, inProgressUntil, payloadHash: undefined });
        }
        continue;
      }
      const prepared = this.prepare(record);
      if (prepared instanceof Error) {
        this.gates[index] = { kind: 'decided', outcome: failed(record, index, prepared) };
        continue;
      }
      const { key, hash } = prepared;
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

    let results: readonly unknown[];
    try {
      const answer: unknown = await within(
        () => options.store.claim(claims, this.clock.now()),
        options.timeoutMs,
        expired,
        'claim',
        this.clock,
      );
      if (!Array.isArray(answer) || answer.length !== claims.length) {
        throw new IdempotencyStoreError(
          'claim',
          `The idempotency store answered ${Array.isArray(answer) ? `${answer.length} results` : `with ${describeKind(answer)}`} for ${claims.length} claims`,
        );
      }
      results = answer;
    } catch (error) {
      const storeError = isInstance(error, IdempotencyStoreError)
        ? error
        : new IdempotencyStoreError('claim', `The idempotency store failed to claim keys: ${describeError(error)}`, {
            cause: error,
          });
      // The store may have written some claims before it failed: give them back at the end.
      for (const leader of claimed) this.untrusted.push(leader.key);
      results = claims.map(() => ({ status: 'error', error: storeError }));
    }
    for (let i = 0; i < claimed.length; i++) {
      const leader = claimed[i] as Leader;
      // A missing object's record is known by its error, which carries its messageId.
      const record = leader.missing?.error ?? records[leader.index];
      this.gates[leader.index] = this.gateFor(leader, results[i], record as BatchRecord<unknown>);
    }
  }

  /** How long claims last when there is no Lambda deadline to hold them until (`inProgressTtlSeconds`). */
  get holdWithoutDeadlineMs(): number {
    return this.options.inProgressMs;
  }

  /** What to do with the record at `index`; `undefined` for records without a key (invalid bodies). */
  gate(index: number): Gate | undefined {
    return this.gates[index];
  }

  /** Tells waiting followers how their leader ended. Call for every settled outcome. */
  settled(outcome: RecordOutcome): void {
    const leader = this.leaders.get(outcome.index);
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
   * Moves every claim this invocation holds to `inProgressUntil`, in one
   * store call: a claim under the same token is renewed (the store
   * contract). Claims are held from the claim phase until `finish`, so the
   * keys of records still waiting, running, or settled but not yet completed
   * are all renewed; after `finish` has begun nothing is. Never rejects.
   *
   * @returns Indexes of the records whose claim the store did not renew.
   */
  renew(inProgressUntil: number): Promise<readonly number[]> {
    const held = this.finishing
      ? []
      : [...this.leaders.values()].filter((leader) => this.gates[leader.index]?.kind === 'run');
    const all = held.map((leader) => leader.index);
    if (held.length === 0) return Promise.resolve(all);
    const { store, timeoutMs } = this.options;
    const claims = held.map(({ key, hash }) => ({ key, token: this.token, inProgressUntil, payloadHash: hash }));
    // A key is kept only when the store answers `claimed` for it; a store that fails or stalls loses them all.
    const renewing = within(() => store.claim(claims, this.clock.now()), timeoutMs, undefined, 'claim', this.clock)
      .then((answer) => all.filter((_, i) => answer[i]?.status !== 'claimed'))
      .catch(() => all);
    this.renewing = renewing;
    return renewing;
  }

  /**
   * Completes the claims of records that succeeded and releases those of
   * records that failed or never started, and every claim whose answer could
   * not be trusted: one store call each, side by side, within `budget`.
   * Claims of records still running (`interrupted`) are kept: they lapse at
   * the deadline. Never rejects; failures are passed to `report`.
   *
   * @returns Whether the completions were written (true when there were none).
   */
  async finish(
    outcomes: readonly RecordOutcome[],
    interrupted: (index: number) => boolean,
    budget: Budget,
    report: (error: IdempotencyStoreError) => void,
  ): Promise<boolean> {
    this.finishing = true;
    if (this.renewing !== undefined) await this.renewing;
    const { store, ttlMs, timeoutMs } = this.options;
    const expiresAt = this.clock.now() + ttlMs;
    const completions: IdempotencyCompletion[] = [];
    const releases: IdempotencyRelease[] = this.untrusted.map((key) => ({ key, token: this.token }));
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
      if (count === 0) return true;
      try {
        await budget.within(
          run,
          timeoutMs,
          (ms, spent) =>
            new IdempotencyStoreError(
              operation,
              spent
                ? `No time was left before the invocation's deadline to ${operation} ${count} keys`
                : `The idempotency store did not answer a ${operation} of ${count} keys within ${ms} ms`,
            ),
        );
      } catch (error) {
        report(
          isInstance(error, IdempotencyStoreError)
            ? error
            : new IdempotencyStoreError(
                operation,
                `The idempotency store failed to ${operation} ${count} keys: ${describeError(error)}`,
                { cause: error },
              ),
        );
        return false;
      }
      return true;
    };
    const [completed] = await Promise.all([
      call('complete', () => store.complete(completions, this.clock.now()), completions.length),
      call('release', () => store.release(releases), releases.length),
    ]);
    return completed;
  }

  /** The record's key and payload hash, or why it has none. */
  private prepare(record: BatchRecord<unknown>): { key: string; hash: string | undefined } | Error {
    const key = this.keyOf(record);
    if (typeof key !== 'string') return key;
    if (!this.options.validatePayload) return { key, hash: undefined };
    try {
      return { key, hash: payloadHash(record.body) };
    } catch (error) {
      // payloadHash throws only UnhashablePayloadError (a cycle, or a read that throws), whose message quotes no payload.
      return new IdempotencyPayloadError(
        record.messageId,
        `its payload could not be hashed for \`validatePayload\`: ${describeError(error)}`,
        { cause: error },
      );
    }
  }

  private keyOf(record: BatchRecord<unknown>): string | IdempotencyKeyError {
    const { key } = this.options;
    if (key === undefined) return record.messageId;
    let value: unknown;
    try {
      value = key(record);
    } catch (error) {
      return new IdempotencyKeyError(
        record.messageId,
        `the idempotency key function threw: ${scrubText(describeError(error), record.body)}`,
        { cause: error },
      );
    }
    if (typeof value !== 'string' || value === '') {
      return new IdempotencyKeyError(
        record.messageId,
        `expected the idempotency key function to return a non-empty string, got ${typeof value === 'string' ? 'an empty string' : typeof value}`,
      );
    }
    if (!isWellFormed(value)) {
      // A store writes keys as UTF-8, where every lone surrogate becomes U+FFFD: two distinct keys would merge.
      return new IdempotencyKeyError(
        record.messageId,
        'the idempotency key is not well-formed UTF-16 (it has a lone surrogate), so no store could keep it apart from other keys',
      );
    }
    if (value.length > MAX_KEY_LENGTH) {
      return new IdempotencyKeyError(
        record.messageId,
        `the idempotency key is ${value.length} characters long; keys may have at most ${MAX_KEY_LENGTH}`,
      );
    }
    return value;
  }

  private gateFor(leader: Leader, answer: unknown, record: BatchRecord<unknown>): Gate {
    const { index, key, hash } = leader;
    const { messageId } = record;
    const result = readClaimResult(answer);
    if (typeof result === 'string') {
      // The store may have written the claim before answering garbage: give it back at the end.
      this.untrusted.push(key);
      return {
        kind: 'decided',
        outcome: failed(
          record,
          index,
          new IdempotencyStoreError('claim', `The idempotency store answered a malformed claim result: ${result}`),
        ),
      };
    }
    switch (result.status) {
      case 'claimed':
        if (leader.missing === undefined) return { kind: 'run' };
        // The key was free, so no earlier run deleted the object: it never existed, or went away. Give the key back.
        this.untrusted.push(key);
        return {
          kind: 'decided',
          outcome: { status: 'invalid', messageId, index, error: leader.missing.error as RecordValidationError },
        };
      case 'completed':
      case 'in-progress':
        if (hash !== undefined && result.payloadHash !== undefined && hash !== result.payloadHash) {
          return {
            kind: 'decided',
            outcome: failed(record, index, new IdempotencyPayloadMismatchError(messageId, key)),
          };
        }
        if (result.status === 'completed') {
          return { kind: 'decided', outcome: { status: 'duplicate', messageId, index, key } };
        }
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
        const error = isInstance(result.error, IdempotencyStoreError)
          ? result.error
          : new IdempotencyStoreError(
              'claim',
              `The idempotency store could not claim the record's key: ${describeError(result.error)}`,
              { cause: result.error },
            );
        return { kind: 'decided', outcome: failed(record, index, error) };
      }
    }
  }
}

function isBatchRecord(value: unknown): value is BatchRecord<unknown> {
  return typeof value === 'object' && value !== null && 'messageId' in value && 'raw' in value;
}

function failed(record: BatchRecord<unknown>, index: number, error: unknown): RecordOutcome {
  return { status: 'failed', messageId: record.messageId, index, error };
}

/** Settles with the store's answer, or rejects with an `IdempotencyStoreError` after `ms` or when `expired` resolves. */
function within<T>(
  call: () => Promise<T>,
  ms: number,
  expired: Promise<void> | undefined,
  operation: 'claim',
  clock: Clock,
): Promise<T> {
  let started: Promise<T>;
  try {
    started = call();
  } catch (error) {
    return Promise.reject(error);
  }
  return settleWithin(
    started,
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
    clock,
  );
}
