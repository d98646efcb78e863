import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES } from './sqsLimits.js';

/**
 * The two halves of an SQS batch call that need care: packing entries into
 * requests SQS accepts (by count and, for messages, by bytes), and reading
 * the reply so that only entries SQS confirmed by their exact `Id` count as
 * done. No SDK here: `sqs.ts` makes the calls.
 */

/** Why SQS did not carry out (or did not confirm) one entry of a batch call. */
export interface EntryFailure {
  readonly error: string;
  /** True when retrying cannot help: SQS blamed the request. */
  readonly senderFault: boolean;
}

/** Items in groups of at most `MAX_BATCH_ENTRIES`. */
export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_BATCH_ENTRIES) out.push(items.slice(i, i + MAX_BATCH_ENTRIES));
  return out;
}

/** A message attribute as `SendMessageBatch` takes it. */
export interface AttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Uint8Array;
}

/**
 * A message's size as SQS counts it against its limit: the body's UTF-8
 * bytes, plus each attribute's name, data type and value (UTF-8 text, or
 * the binary value's bytes).
 */
export function messageBytes(body: string, attributes: Readonly<Record<string, AttributeValue>>): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType, 'utf8');
    if (value.StringValue !== undefined) bytes += Buffer.byteLength(value.StringValue, 'utf8');
    if (value.BinaryValue !== undefined) bytes += value.BinaryValue.byteLength;
  }
  return bytes;
}

/** Entries packed into requests, and the ones no request can carry. */
export interface Packed<T> {
  readonly batches: T[][];
  /** Entries larger than one message may be, with their size. */
  readonly tooLarge: ReadonlyArray<{ readonly entry: T; readonly bytes: number }>;
}

/**
 * Packs messages into `SendMessageBatch` requests: at most
 * `MAX_BATCH_ENTRIES` each and at most `MAX_BATCH_BYTES` in all, in their
 * order (first fit, so a large message does not hold back the small ones
 * behind it). A message larger than `MAX_MESSAGE_BYTES` goes in no request.
 */
export function packBySize<T>(entries: readonly T[], sizeOf: (entry: T) => number): Packed<T> {
  const batches: Array<{ entries: T[]; bytes: number }> = [];
  const tooLarge: Array<{ entry: T; bytes: number }> = [];
  for (const entry of entries) {
    const bytes = sizeOf(entry);
    if (bytes > MAX_MESSAGE_BYTES) {
      tooLarge.push({ entry, bytes });
      continue;
    }
    const batch = batches.find((b) => b.entries.length < MAX_BATCH_ENTRIES && b.bytes + bytes <= MAX_BATCH_BYTES);
    if (batch === undefined) batches.push({ entries: [entry], bytes });
    else {
      batch.entries.push(entry);
      batch.bytes += bytes;
    }
  }
  return { batches: batches.map((b) => b.entries), tooLarge };
}

/**
 * The entries of a batch call (`Id`s `'0'` to `count - 1`) that SQS did not
 * confirm, with why. Only an entry listed in `Successful` under its exact
 * `Id`, and not in `Failed`, counts as done: an id the request never used
 * (`'00'`, `'7'` in a call of three) confirms nothing. A reply of the wrong
 * shape (not an object, `Successful` or `Failed` present but not a list, an
 * item that is not an object with a string `Id`) confirms nothing at all:
 * what it meant cannot be known, and an entry wrongly taken as done is lost
 * (a message deleted, or a record reported done without being parked).
 */
export function unconfirmedEntries(reply: unknown, count: number, call: string): Map<number, EntryFailure> {
  const failures = new Map<number, EntryFailure>();
  const read = readReply(reply);
  if (typeof read === 'string') {
    const error = `SQS answered ${call} with ${read}, so no entry counts as done`;
    for (let i = 0; i < count; i++) failures.set(i, { error, senderFault: false });
    return failures;
  }
  for (const { Id, Code, Message, SenderFault } of read.failed) {
    const index = entryIndex(Id, count);
    if (index !== undefined && !failures.has(index)) {
      failures.set(index, {
        error: `${typeof Code === 'string' ? clip(Code) : 'Failed'}: ${typeof Message === 'string' ? clip(Message) : 'no message'}`,
        senderFault: SenderFault === true,
      });
    }
  }
  const confirmed = new Set<number>();
  for (const { Id } of read.successful) {
    const index = entryIndex(Id, count);
    if (index !== undefined) confirmed.add(index);
  }
  for (let i = 0; i < count; i++) {
    if (!failures.has(i) && !confirmed.has(i)) {
      failures.set(i, {
        error: read.hasSuccessful
          ? `SQS did not confirm this entry: ${call} listed it neither in Successful nor in Failed`
          : `SQS answered ${call} without a Successful list, so no entry counts as done`,
        senderFault: false,
      });
    }
  }
  return failures;
}

interface ReplyItem {
  readonly Id: string;
  readonly Code?: unknown;
  readonly Message?: unknown;
  readonly SenderFault?: unknown;
}

/** The reply's lists, or what is wrong with its shape. `Failed` may be absent (SQS leaves out an empty list). */
function readReply(reply: unknown): { successful: ReplyItem[]; failed: ReplyItem[]; hasSuccessful: boolean } | string {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    return `a reply that is not an object (${reply === null ? 'null' : Array.isArray(reply) ? 'an array' : typeof reply})`;
  }
  try {
    const { Successful, Failed } = reply as { Successful?: unknown; Failed?: unknown };
    const successful = listOf(Successful);
    const failed = listOf(Failed);
    if (successful === undefined) return 'a `Successful` that is not a list of entries with a string `Id`';
    if (failed === undefined) return 'a `Failed` that is not a list of entries with a string `Id`';
    return { successful, failed, hasSuccessful: Successful !== undefined };
  } catch {
    return 'a reply that cannot be read';
  }
}

/** The items of an optional list of `{ Id: string }` objects; `undefined` when it is anything else. */
function listOf(value: unknown): ReplyItem[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const items: ReplyItem[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) return undefined;
    // Copied field by field, once: a getter is read only here, inside the caller's try.
    const { Id, Code, Message, SenderFault } = item as Record<keyof ReplyItem, unknown>;
    if (typeof Id !== 'string') return undefined;
    items.push({ Id, Code, Message, SenderFault });
  }
  return items;
}

/** The position an entry `Id` of ours names: exactly `String(index)` for an index of the request, else `undefined`. */
function entryIndex(id: string, count: number): number | undefined {
  if (!/^(0|[1-9]\d{0,8})$/.test(id)) return undefined;
  const index = Number(id);
  return index < count ? index : undefined;
}

/** SQS's own text, cut to a length fit for a log line. */
function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
