import type { SQSRecord } from 'aws-lambda';
import type { CircuitControl, CircuitGate, GatedRun } from '../contracts/circuit.js';
import { describeError, PermanentError } from '../errors.js';
import { log } from '../observability/logging.js';
import type { BatchLogger, RecordOutcome } from '../types.js';
import { isInstance, settleWithin } from '../util.js';
import type { ResolvedCircuitBreaker } from './options.js';
import type { CircuitSnapshot, CircuitState } from './store.js';

const CLOSED: CircuitSnapshot = Object.freeze({ state: 'closed', until: 0, opens: 0, version: 0 });
/** The failure-rate window is counted in this many buckets. */
const BUCKETS = 10;
/** A stored `until` may lie this far past the longest open period (clocks of instances differ). */
const CLOCK_SKEW_MS = 60_000;
/** What a store call that failed, timed out or answered garbage leaves: the breaker fails open. */
const FAILED: unique symbol = Symbol('failed');

type Verdict = 'success' | 'failure' | undefined;
type Mode = 'run' | 'shut' | 'probe' | 'free';

/**
 * The circuit breaker of one handler (or consumer): a state machine on this
 * process's view of the circuit, kept in step with a shared store when there
 * is one. Closed, it counts what `processRecord` does and opens on
 * `failureThreshold` failures in a row or a `failureRate` over the window;
 * open, it lets nothing run until `until`; then one invocation claims the
 * probe (half-open, a conditional write when shared), lets
 * `halfOpenRecords` through, and closes on their success or opens again
 * for twice as long (up to `maxOpenSeconds`). Every store call is bounded by
 * `storeTimeoutMs`; a read that fails or answers garbage lets the
 * invocation run as if there were no breaker. Logs one line per change of
 * state, never one per record.
 */
export class CircuitMachine implements CircuitControl {
  private view: CircuitSnapshot = CLOSED;
  private consecutive = 0;
  private buckets: Array<{ start: number; total: number; failed: number }> = [];
  private storeFailing = false;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    readonly settings: ResolvedCircuitBreaker,
    private readonly logger: BatchLogger | undefined,
  ) {}

  state(now: number): CircuitState {
    const { state, until } = this.view;
    return state === 'open' && now >= until ? 'half-open' : state;
  }

  waitMs(now: number): number {
    return this.view.state === 'closed' ? 0 : Math.max(0, this.view.until - now);
  }

  async enter(now: number): Promise<CircuitGate> {
    const { store, name } = this.settings;
    if (store !== undefined) {
      const read = await this.call('read', () => store.read(name));
      if (read === FAILED) return new Gate(this, 'free', -1);
      const snapshot = read === undefined ? CLOSED : checked(read, now, this.settings.maxOpenSeconds * 1000);
      if (snapshot === undefined) {
        this.trouble('read', new Error('The store answered something that is not a circuit state'));
        return new Gate(this, 'free', -1);
      }
      this.recovered();
      this.adopt(snapshot, now);
    }
    const view = this.view;
    if (view.state === 'closed') return new Gate(this, 'run', view.version);
    if (now < view.until) return new Gate(this, 'shut', view.version);
    // The open period is over, or a probe's lease ran out: this invocation probes, unless another claimed it first.
    const next: CircuitSnapshot = {
      state: 'half-open',
      until: now + this.periodMs(view.opens + 1),
      opens: view.opens,
      version: view.version + 1,
    };
    if (store !== undefined) {
      const won = await this.call('write', () => store.write(name, next, view.version));
      if (won === FAILED) return new Gate(this, 'free', -1);
      if (won === false || won === true) this.recovered();
      if (won !== true) {
        if (won !== false)
          this.trouble('write', new Error('The store answered a write with something else than a boolean'));
        // Another instance probes: wait for its lease, and take the store's word at the next read.
        this.view = { ...next, version: -1 };
        return new Gate(this, 'shut', -1);
      }
    }
    this.view = next;
    return new Gate(this, 'probe', next.version);
  }

  /** Whether records may run: the circuit is closed. */
  isClosed(): boolean {
    return this.view.state === 'closed';
  }

  /** Whether the probe claimed as `version` still holds the circuit. */
  probeHeld(version: number): boolean {
    return this.view.state === 'half-open' && this.view.version === version;
  }

  /** A record of `gate` has its outcome. */
  settled(gate: Gate, outcome: RecordOutcome, run: GatedRun): void {
    const { index } = outcome;
    // A record still running when the run was concluded: cut off by the Lambda deadline (a hanging downstream
    // is failing), it counts; abandoned by a stopping consumer, it does not.
    const called = run.called?.[index] === 1 && (!run.isClosed || run.host === undefined);
    const verdict = called ? this.verdict(outcome, run.records[index] as SQSRecord) : undefined;
    const now = run.clock.now();
    if (gate.mode === 'probe' && !this.isClosed()) {
      if (verdict === undefined) {
        gate.starts--; // said nothing of the downstream: another record may probe in its place
      } else if (this.probeHeld(gate.version)) {
        if (verdict === 'failure') this.trip(now, 'a probe failed');
        else if (++gate.successes >= this.settings.halfOpenRecords) this.close(now);
      }
      return;
    }
    if (verdict !== undefined && this.isClosed()) this.tally(verdict, now);
  }

  /** The probing invocation is over: its records all succeeded (close), or said nothing (another may probe now). */
  endProbe(gate: Gate, now: number): void {
    if (!this.probeHeld(gate.version)) return;
    if (gate.successes > 0) {
      this.close(now);
      return;
    }
    const from = this.view;
    this.view = { state: 'open', until: now, opens: from.opens, version: from.version + 1 };
    this.publish(from.version);
  }

  /** Resolves once every write in flight has settled (each is bounded); `undefined` when none is. */
  flush(): Promise<void> | undefined {
    if (this.pending.size === 0) return undefined;
    return Promise.all(this.pending).then(() => undefined);
  }

  private verdict(outcome: RecordOutcome, record: SQSRecord): Verdict {
    if (outcome.status === 'succeeded') return 'success';
    if (outcome.status !== 'failed') return undefined;
    const { countsAs } = this.settings;
    try {
      const counts =
        countsAs === undefined ? !isInstance(outcome.error, PermanentError) : countsAs(outcome.error, record) === true;
      return counts ? 'failure' : undefined;
    } catch {
      return undefined;
    }
  }

  private tally(verdict: 'success' | 'failure', now: number): void {
    const { windowSeconds, failureThreshold, failureRate, minimumRecords } = this.settings;
    const windowMs = windowSeconds * 1000;
    const width = windowMs / BUCKETS;
    const start = now - (now % width);
    let bucket = this.buckets.at(-1);
    if (bucket === undefined || bucket.start !== start) {
      bucket = { start, total: 0, failed: 0 };
      this.buckets = this.buckets.filter((b) => b.start > now - windowMs && b.start < start);
      this.buckets.push(bucket);
    }
    bucket.total++;
    if (verdict === 'success') {
      this.consecutive = 0;
      return;
    }
    bucket.failed++;
    this.consecutive++;
    if (this.consecutive >= failureThreshold) {
      this.trip(now, `${this.consecutive} failures in a row`);
      return;
    }
    let total = 0;
    let failed = 0;
    for (const b of this.buckets) {
      total += b.total;
      failed += b.failed;
    }
    if (total >= minimumRecords && failed / total >= failureRate) {
      this.trip(now, `${failed} of the last ${total} records failed within ${windowSeconds} s`);
    }
  }

  private trip(now: number, reason: string): void {
    const from = this.view;
    const opens = from.opens + 1;
    const ms = this.periodMs(opens);
    this.view = { state: 'open', until: now + ms, opens, version: from.version + 1 };
    this.reset();
    this.announce('warn', 'Circuit breaker opened: records do not run until it may close', reason);
    this.publish(from.version);
  }

  private close(now: number): void {
    const from = this.view;
    this.view = { ...CLOSED, version: from.version + 1 };
    this.reset();
    this.announce('info', 'Circuit breaker closed: records run again', 'the probe succeeded', now);
    this.publish(from.version);
  }

  /** Takes the shared state, unless it is older than this process's own (a write of ours still in flight). */
  private adopt(snapshot: CircuitSnapshot, now: number): void {
    const was = this.view;
    if (was.version !== -1 && snapshot.version < was.version) return;
    this.view = snapshot;
    if (was.state === 'closed' && snapshot.state !== 'closed') {
      this.reset();
      this.announce(
        'warn',
        'Circuit breaker opened: records do not run until it may close',
        'another instance opened it',
      );
    } else if (was.state !== 'closed' && snapshot.state === 'closed') {
      this.reset();
      this.announce('info', 'Circuit breaker closed: records run again', 'another instance closed it', now);
    }
  }

  private announce(level: 'info' | 'warn', message: string, reason: string, now?: number): void {
    const { state, until, opens } = this.view;
    log(this.logger, level, message, {
      circuit: this.settings.name,
      state,
      reason,
      ...(state === 'closed' || now !== undefined ? {} : { until: new Date(until).toISOString(), opens }),
    });
  }

  private reset(): void {
    this.consecutive = 0;
    this.buckets = [];
  }

  /** How long the circuit stays open the `opens`-th time in a row, in ms. */
  private periodMs(opens: number): number {
    const { openSeconds, maxOpenSeconds } = this.settings;
    return Math.min(openSeconds * 2 ** Math.max(0, opens - 1), maxOpenSeconds) * 1000;
  }

  /** Stores the view as it is now, replacing `expected`; a write another instance beat makes the next read decide. */
  private publish(expected: number): void {
    const { store, name } = this.settings;
    if (store === undefined) return;
    const next = this.view;
    const write = this.call('write', () => store.write(name, next, expected)).then((won) => {
      if (won !== true && this.view === next) this.view = { ...next, version: -1 };
    });
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** One store call, bounded by `storeTimeoutMs`; never rejects. */
  private async call<T>(what: 'read' | 'write', make: () => Promise<T>): Promise<T | typeof FAILED> {
    const ms = this.settings.storeTimeoutMs;
    try {
      return await settleWithin(
        new Promise<T>((resolve) => resolve(make())),
        ms,
        () => new Error(`The circuit state store did not answer a ${what} within ${ms} ms`),
      );
    } catch (error) {
      this.trouble(what, error);
      return FAILED;
    }
  }

  /** The store answered well: after a run of failures, says so once. */
  private recovered(): void {
    if (!this.storeFailing) return;
    this.storeFailing = false;
    log(this.logger, 'info', 'The circuit state store answers again', { circuit: this.settings.name });
  }

  /** Logs the first failure of a run of store failures (not one per invocation). */
  private trouble(what: 'read' | 'write', error: unknown): void {
    if (this.storeFailing) return;
    this.storeFailing = true;
    log(this.logger, 'warn', 'The circuit state store failed; records run as if there were no circuit breaker', {
      circuit: this.settings.name,
      operation: what,
      error: describeError(error),
    });
  }
}

/** One invocation's gate; see {@link CircuitGate}. */
class Gate implements CircuitGate {
  starts = 0;
  successes = 0;

  constructor(
    private readonly breaker: CircuitMachine,
    readonly mode: Mode,
    readonly version: number,
  ) {}

  get shut(): boolean {
    return this.mode === 'shut';
  }

  get probing(): boolean {
    return this.mode === 'probe';
  }

  mayStart(): boolean {
    const { breaker } = this;
    switch (this.mode) {
      case 'free':
        return true;
      case 'shut':
        return false;
      case 'run':
        return breaker.isClosed();
      default:
        return (
          breaker.isClosed() || (breaker.probeHeld(this.version) && this.starts < breaker.settings.halfOpenRecords)
        );
    }
  }

  started(): void {
    this.starts++;
  }

  settled(outcome: RecordOutcome, run: GatedRun): void {
    if (this.mode === 'run' || this.mode === 'probe') this.breaker.settled(this, outcome, run);
  }

  finish(now: number): Promise<void> | undefined {
    if (this.mode === 'probe') this.breaker.endProbe(this, now);
    return this.breaker.flush();
  }

  delaySeconds(now: number): number {
    return this.mode === 'free' ? 0 : Math.ceil(this.breaker.waitMs(now) / 1000);
  }
}

/** A stored state, read once and checked; `undefined` for anything else (the breaker then fails open). */
function checked(value: unknown, now: number, maxOpenMs: number): CircuitSnapshot | undefined {
  try {
    if (typeof value !== 'object' || value === null) return undefined;
    const { state, until, opens, version } = value as Record<string, unknown>;
    if (state !== 'closed' && state !== 'open' && state !== 'half-open') return undefined;
    if (typeof until !== 'number' || !(until >= 0 && until <= now + 2 * maxOpenMs + CLOCK_SKEW_MS)) return undefined;
    if (!Number.isSafeInteger(opens) || (opens as number) < 0 || (opens as number) > 1000) return undefined;
    if (!Number.isSafeInteger(version) || (version as number) < 0) return undefined;
    return { state, until, opens: opens as number, version: version as number };
  } catch {
    return undefined;
  }
}
