/**
 * Watchers for the hardening suites: what a run leaves behind in the process
 * (unhandled rejections, uncaught exceptions, a changed `Object.prototype`)
 * and everything a logger was handed, flattened to strings.
 */

type ProcessEvent = 'unhandledRejection' | 'uncaughtException';
const PROCESS_EVENTS: readonly ProcessEvent[] = ['unhandledRejection', 'uncaughtException'];

/** What reached the process while a watcher was on. */
export interface ProcessWatch {
  /** Reasons of unhandled rejections and uncaught exceptions, in order. */
  readonly escaped: ReadonlyArray<{ readonly event: ProcessEvent; readonly reason: unknown }>;
  /** Stops watching and puts the test runner's own listeners back. */
  stop(): void;
}

/**
 * Records unhandled rejections and uncaught exceptions until `stop()`. The
 * runner's listeners are set aside meanwhile, so an escape is reported by
 * the test that caused it (with its counterexample) rather than by the runner
 * as an error of the file.
 */
export function watchProcess(): ProcessWatch {
  const escaped: Array<{ event: ProcessEvent; reason: unknown }> = [];
  const saved = PROCESS_EVENTS.map((event) => [event, process.listeners(event as 'unhandledRejection')] as const);
  const mine = PROCESS_EVENTS.map((event) => {
    const listener = (reason: unknown) => void escaped.push({ event, reason });
    process.removeAllListeners(event);
    process.on(event as 'unhandledRejection', listener);
    return [event, listener] as const;
  });
  return {
    escaped,
    stop() {
      for (const [event, listener] of mine) process.off(event as 'unhandledRejection', listener);
      for (const [event, listeners] of saved) {
        for (const listener of listeners) process.on(event as 'unhandledRejection', listener as () => void);
      }
    },
  };
}

/** A copy of the own properties of the prototypes a pollution attempt would aim at. */
export function snapshotPrototypes(): Map<string, unknown> {
  const snapshot = new Map<string, unknown>();
  for (const [name, proto] of [
    ['Object', Object.prototype],
    ['Array', Array.prototype],
    ['Function', Function.prototype],
  ] as const) {
    for (const key of Reflect.ownKeys(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      snapshot.set(`${name}.${String(key)}`, descriptor?.value ?? descriptor?.get);
    }
  }
  return snapshot;
}

/** Names of prototype properties added, removed or replaced since `before`. */
export function prototypeChanges(before: Map<string, unknown>): string[] {
  const after = snapshotPrototypes();
  const changed: string[] = [];
  for (const [key, value] of after) if (!before.has(key) || before.get(key) !== value) changed.push(key);
  for (const key of before.keys()) if (!after.has(key)) changed.push(key);
  return changed;
}

/**
 * Every string reachable from `value`: own properties (enumerable or not,
 * getters included), array items, map and set entries, and for errors their
 * `name`, `message`, `stack` and `cause` even when inherited. Getters that
 * throw and revoked proxies are skipped, never rethrown.
 */
export function reachableStrings(value: unknown, out: string[] = [], seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') {
    out.push(value);
    return out;
  }
  if (typeof value === 'symbol') {
    if (value.description !== undefined) out.push(value.description);
    return out;
  }
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) return out;
  seen.add(value);
  const read = (get: () => unknown): void => {
    let inner: unknown;
    try {
      inner = get();
    } catch {
      return;
    }
    reachableStrings(inner, out, seen);
  };
  let keys: Array<string | symbol>;
  try {
    keys = Reflect.ownKeys(value);
  } catch {
    return out; // a revoked proxy
  }
  for (const key of keys) {
    if (typeof key === 'string') out.push(key);
    read(() => (value as Record<string | symbol, unknown>)[key]);
  }
  let isError = false;
  try {
    isError = value instanceof Error;
  } catch {
    isError = false;
  }
  if (isError) {
    for (const key of ['name', 'message', 'stack', 'cause'] as const) read(() => (value as Error)[key]);
  }
  if (value instanceof Map) for (const [k, v] of value) read(() => [k, v]);
  if (value instanceof Set) for (const v of value) read(() => v);
  return out;
}

/** One call of a {@link RecordingLogger} method. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: unknown;
  /** Every string reachable from the message and the attributes, read when the entry was logged. */
  readonly strings: readonly string[];
}

/** A logger that keeps every call, with its attributes flattened to strings at call time. */
export interface RecordingLogger {
  readonly entries: LogEntry[];
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export function recordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, attributes: Record<string, unknown>): void => {
      entries.push({ level, message, attributes, strings: reachableStrings([message, attributes]) });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** How many times `needle` occurs in the strings, overlapping occurrences not counted. */
export function occurrences(strings: readonly string[], needle: string): number {
  let count = 0;
  for (const text of strings) {
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  }
  return count;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `promise` to settle, or `ms` at most; true when it settled in time. Never rejects. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until every macrotask queued so far (and the microtasks they queue) has run. */
export function settleTicks(turns = 2): Promise<void> {
  let chain = Promise.resolve();
  for (let i = 0; i < turns; i++) chain = chain.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  return chain;
}
