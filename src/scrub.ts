import type { ValidationIssue } from './errors.js';

/** Shortest string value worth looking for: shorter ones match too much ordinary text. */
const MIN_LENGTH = 4;
/** Most values collected from one payload, and most nodes visited to find them. */
const MAX_VALUES = 256;
const MAX_NODES = 10_000;
const REDACTED = '[redacted]';

/**
 * Issue messages with every string value of the payload taken out. Some
 * schema libraries quote the input they reject (`received "Jane Q Public"`),
 * and a body must never reach a log line or an error message. Runs only on
 * the failure path.
 */
export function scrubIssues(issues: readonly ValidationIssue[], payload: unknown): ValidationIssue[] {
  const values = stringsIn(payload);
  if (values.length === 0) return issues as ValidationIssue[];
  return issues.map((issue) => ({ message: scrub(issue.message, values), path: issue.path }));
}

/** `text` with every string value of the payload taken out. */
export function scrubText(text: string, payload: unknown): string {
  return scrub(text, stringsIn(payload));
}

function scrub(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
}

/**
 * String values of a payload, longest first, found without recursion. Object
 * keys are left alone: they are the schema's field names, which issue paths
 * and messages must be able to name.
 */
function stringsIn(payload: unknown): string[] {
  const found = new Set<string>();
  const pending: unknown[] = [payload];
  let visited = 0;
  while (pending.length > 0 && visited < MAX_NODES && found.size < MAX_VALUES) {
    const node = pending.pop();
    visited++;
    if (typeof node === 'string') {
      if (node.length >= MIN_LENGTH) found.add(node);
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
