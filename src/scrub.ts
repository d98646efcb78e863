import type { ValidationIssue } from './errors.js';

/** Shortest whole value taken out wherever it appears: shorter ones match too much ordinary text. */
const MIN_LENGTH = 4;
/**
 * Shortest run of a value's text taken out where a message quotes part of
 * it (a parser quoting the first ten characters of a field, a message
 * naming a prefix). Eight characters: long enough that a schema's own words
 * rarely match by chance, short enough to catch a truncated quote.
 */
const FRAGMENT = 8;
/** Most values collected from one payload, and most nodes visited to find them. */
const MAX_VALUES = 10_000;
const MAX_NODES = 20_000;
const REDACTED = '[redacted]';

/**
 * Issue messages with the payload's values taken out. Some schema libraries
 * quote the input they reject (`received "Jane Q Public"`, `was 4111111111111111`),
 * whole or in part, and a body must never reach a log line or an error
 * message. Taken out: every string or number value of 4 characters or more
 * wherever it appears (JSON-escaped too), and every run of 8 characters or
 * more that appears in such a value. Object keys are left alone: they are
 * the schema's field names, which messages and paths must be able to name.
 * Runs only on the failure path.
 */
export function scrubIssues(issues: readonly ValidationIssue[], payload: unknown): ValidationIssue[] {
  const values = valuesIn(payload);
  if (values.length === 0) return issues as ValidationIssue[];
  const fragments = new FragmentFinder(values);
  return issues.map((issue) => ({
    message: fragments.redact(wholeValuesOut(issue.message, values)),
    path: issue.path,
  }));
}

/** `text` with the payload's values taken out, as {@link scrubIssues} does it. */
export function scrubText(text: string, payload: unknown): string {
  const values = valuesIn(payload);
  return values.length === 0 ? text : new FragmentFinder(values).redact(wholeValuesOut(text, values));
}

function wholeValuesOut(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) {
    if (value.length >= MIN_LENGTH && out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

/**
 * The payload's string values (as they are and JSON-escaped) and its
 * numbers as text, longest first, found without recursion.
 */
function valuesIn(payload: unknown): string[] {
  const found = new Set<string>();
  const pending: unknown[] = [payload];
  let visited = 0;
  while (pending.length > 0 && visited < MAX_NODES && found.size < MAX_VALUES) {
    const node = pending.pop();
    visited++;
    if (typeof node === 'string') {
      if (node.length === 0) continue;
      found.add(node);
      const escaped = JSON.stringify(node).slice(1, -1);
      if (escaped !== node) found.add(escaped);
      continue;
    }
    if (typeof node === 'number' || typeof node === 'bigint') {
      found.add(String(node));
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    try {
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length && i < MAX_NODES; i++) pending.push(node[i]);
        continue;
      }
      for (const key of Object.keys(node)) pending.push((node as Record<string, unknown>)[key]);
    } catch {
      // A hostile schema output (a throwing getter or proxy trap): scrub what was found so far.
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

const BASE = 31;
const FILTER_SIZE = 1 << 16;
const FILTER_MASK = FILTER_SIZE - 1;
/** BASE ** (FRAGMENT - 1), modulo 2 ** 32. */
/** The filter of {@link FragmentFinder.redact}, shared: all zero between uses. */
let filter: Uint8Array | undefined;
const TOP = Array.from({ length: FRAGMENT - 1 }).reduce<number>((power) => Math.imul(power, BASE) >>> 0, 1);

/**
 * Finds, in a message, the runs of `FRAGMENT` characters that occur in any
 * value: the message's windows go in a table keyed by a rolling hash, and
 * each value is scanned once, so the cost is the size of the values, not
 * their size times the message's.
 */
class FragmentFinder {
  constructor(private readonly values: readonly string[]) {}

  redact(text: string): string {
    // Values are longest first: when none is long enough to hold a fragment, no window can match.
    if (text.length < FRAGMENT || (this.values[0]?.length ?? 0) < FRAGMENT) return text;
    const windows = new Map<number, Map<string, number[]>>();
    for (let i = 0; i + FRAGMENT <= text.length; i++) {
      const gram = text.slice(i, i + FRAGMENT);
      const hash = hashOf(gram);
      let byText = windows.get(hash);
      if (byText === undefined) {
        byText = new Map();
        windows.set(hash, byText);
      }
      const starts = byText.get(gram);
      if (starts === undefined) byText.set(gram, [i]);
      else starts.push(i);
    }
    // A bit per low 16 bits of each window's hash: most positions of a value are ruled out without a map
    // lookup. One table for the process, made on the first failure and cleared after each use: a fresh
    // 64 KB table per message cost more than the rest of the failure path.
    filter ??= new Uint8Array(FILTER_SIZE);
    const seen = filter;
    for (const hash of windows.keys()) seen[hash & FILTER_MASK] = 1;
    try {
      return this.cover(text, windows, seen);
    } finally {
      for (const hash of windows.keys()) seen[hash & FILTER_MASK] = 0;
    }
  }

  private cover(text: string, windows: Map<number, Map<string, number[]>>, seen: Uint8Array): string {
    const covered = new Uint8Array(text.length);
    let any = false;
    for (const value of this.values) {
      if (value.length < FRAGMENT) break; // longest first: no later value is long enough
      let hash = hashOf(value.slice(0, FRAGMENT));
      for (let p = 0; ; p++) {
        const byText = seen[hash & FILTER_MASK] === 1 ? windows.get(hash) : undefined;
        if (byText !== undefined) {
          const starts = byText.get(value.slice(p, p + FRAGMENT));
          if (starts !== undefined) {
            any = true;
            for (const start of starts) covered.fill(1, start, start + FRAGMENT);
            byText.delete(value.slice(p, p + FRAGMENT));
          }
        }
        if (p + FRAGMENT >= value.length) break;
        hash =
          (Math.imul((hash - Math.imul(value.charCodeAt(p), TOP)) >>> 0, BASE) + value.charCodeAt(p + FRAGMENT)) >>> 0;
      }
    }
    if (!any) return text;
    let out = '';
    for (let i = 0; i < text.length; ) {
      if (covered[i] === 0) {
        out += text[i];
        i++;
        continue;
      }
      while (i < text.length && covered[i] === 1) i++;
      out += REDACTED;
    }
    return out;
  }
}

function hashOf(gram: string): number {
  let hash = 0;
  for (let i = 0; i < gram.length; i++) hash = (Math.imul(hash, BASE) + gram.charCodeAt(i)) >>> 0;
  return hash;
}
