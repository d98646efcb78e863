import { nodeCrypto } from '../builtins.js';
import { isWellFormed } from '../util.js';

/**
 * A payload could not be hashed: it contains a cycle, or reading it threw (a
 * getter, a `toJSON` method or a Proxy trap). Its message names what went
 * wrong and how deep, never a key or a value of the payload.
 */
export class UnhashablePayloadError extends Error {
  override readonly name = 'UnhashablePayloadError';
}

/**
 * A short, stable hash of a record's payload (SHA-256, base64url), for
 * `validatePayload`. It never recurses, so a payload nested 100,000 deep
 * hashes like any other.
 *
 * What is hashed:
 * - a string body: its UTF-8 bytes; a string that is not well-formed UTF-16
 *   (it has a lone surrogate) hashes as the byte 0xFF, which UTF-8 never
 *   contains, then its UTF-16 code units, so no two strings collide;
 * - anything else: its canonical text. For JSON values (what `JSON.parse`
 *   returns) that is their JSON with object keys sorted, exactly as earlier
 *   versions hashed them (so stored hashes still match), now including
 *   `"__proto__"` members. Values with a `toJSON` method (Dates) are hashed as
 *   what it returns, as `JSON.stringify` would; object members that are
 *   `undefined`, functions or symbols are left out, as `JSON.stringify` leaves
 *   them out. Other values JSON cannot represent get forms JSON text never
 *   contains: `undefined`, `NaN`, `Infinity`, `-Infinity`, `12n` (bigint),
 *   `function`, `Symbol("description")`, `Map{key=>value,…}` and `Set{…}`
 *   (entries sorted, so their order does not matter), and
 *   `Uint8Array(base64)` for typed arrays, `ArrayBuffer` and `DataView` (their
 *   bytes). Boxed primitives hash as the primitive. Other objects (class
 *   instances) hash as their own enumerable string-keyed members.
 *
 * @param body - A record's body: the raw string, or the schema's output.
 * @returns 43 base64url characters.
 * @throws UnhashablePayloadError when the payload contains itself (a cycle),
 *   or reading it threw; the message holds no part of the payload.
 */
export function payloadHash(body: unknown): string {
  const hash = nodeCrypto().createHash('sha256');
  if (typeof body !== 'string') hash.update(canonicalText(body));
  else if (isWellFormed(body)) hash.update(body);
  else hash.update(NOT_UTF8).update(Buffer.from(body, 'utf16le'));
  return hash.digest('base64url');
}

/** A byte that never occurs in UTF-8, marking a string hashed by its UTF-16 code units. */
const NOT_UTF8 = Buffer.of(0xff);

const ARRAY = 0;
const OBJECT = 1;
const MAP = 2;
const SET = 3;

/** One container being written, and how far. */
class Frame {
  /** Next child (array item, object key or Map/Set entry). */
  i = 0;
  /** Object: members written so far. */
  written = 0;
  /** Map: the current entry's key is written, its value is next. */
  valueNext = false;
  /** Map and Set: each entry's text, and the text before the container. */
  readonly texts: string[] = [];
  enclosing = '';

  constructor(
    readonly kind: typeof ARRAY | typeof OBJECT | typeof MAP | typeof SET,
    readonly container: object,
    /** Array items, or Map/Set entries. */
    readonly items: readonly unknown[],
    /** Object keys, in hashing order. */
    readonly keys: readonly string[],
  ) {}
}

/**
 * Serializes `root` iteratively: an explicit stack of frames, one per open
 * container, instead of recursion. Map and Set entries are each written on
 * their own, then sorted, so their order does not matter.
 */
function canonicalText(root: unknown): string {
  let text = '';
  const stack: Frame[] = [];
  const open = new Set<object>();

  /** Writes a value (already passed through `toJSON`), opening a frame for a container. */
  const write = (value: unknown): void => {
    if (value === null || value === undefined) {
      text += String(value);
      return;
    }
    switch (typeof value) {
      case 'string':
        text += JSON.stringify(value);
        return;
      case 'number': // NaN, Infinity and -Infinity are not JSON, and stay apart from null
      case 'boolean':
        text += String(value);
        return;
      case 'bigint':
        text += `${value}n`;
        return;
      case 'function':
        text += 'function';
        return;
      case 'symbol':
        text += `Symbol(${JSON.stringify(value.description ?? '')})`;
        return;
    }
    if (open.has(value)) {
      throw new UnhashablePayloadError(
        `The payload contains itself (a cycle at depth ${stack.length}), so it cannot be hashed`,
      );
    }
    const frame = frameOf(value);
    if (frame === undefined) return; // written whole
    open.add(value);
    stack.push(frame);
  };

  const frameOf = (value: object): Frame | undefined => {
    if (Array.isArray(value)) {
      text += '[';
      return new Frame(ARRAY, value, value, NO_KEYS);
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const whole = wholeText(value);
      if (whole !== undefined) {
        text += whole;
        return undefined;
      }
      if (value instanceof Map || value instanceof Set) {
        const frame = new Frame(value instanceof Map ? MAP : SET, value, [...value], NO_KEYS);
        frame.enclosing = text;
        return frame;
      }
    }
    text += '{';
    return new Frame(OBJECT, value, NO_ITEMS, sortedKeys(value));
  };

  /** Writes the frame's next child and returns true, or closes the frame and returns false. */
  const step = (frame: Frame): boolean => {
    switch (frame.kind) {
      case ARRAY:
        if (frame.i >= frame.items.length) {
          text += ']';
          return false;
        }
        if (frame.i > 0) text += ',';
        write(viaToJSON(frame.items[frame.i], frame.i++));
        return true;
      case OBJECT: {
        const record = frame.container as Record<string, unknown>;
        while (frame.i < frame.keys.length) {
          const key = frame.keys[frame.i++] as string;
          const member = viaToJSON(record[key], key);
          if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
          text += `${frame.written++ > 0 ? ',' : ''}${JSON.stringify(key)}:`;
          write(member);
          return true;
        }
        text += '}';
        return false;
      }
      default: {
        if (frame.valueNext) {
          frame.valueNext = false;
          text += '=>';
          write(viaToJSON((frame.items[frame.i - 1] as [unknown, unknown])[1], ''));
          return true;
        }
        if (frame.i > 0) frame.texts.push(text);
        if (frame.i >= frame.items.length) {
          text = `${frame.enclosing}${frame.kind === MAP ? 'Map{' : 'Set{'}${frame.texts.sort().join(',')}}`;
          return false;
        }
        const entry = frame.items[frame.i++];
        text = '';
        frame.valueNext = frame.kind === MAP;
        write(viaToJSON(frame.kind === MAP ? (entry as [unknown, unknown])[0] : entry, ''));
        return true;
      }
    }
  };

  try {
    write(viaToJSON(root, ''));
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      if (step(frame)) continue;
      stack.pop();
      open.delete(frame.container);
    }
  } catch (error) {
    if (error instanceof UnhashablePayloadError) throw error;
    throw new UnhashablePayloadError(
      `Reading the payload threw (${errorName(error)} at depth ${stack.length}, from a getter, a toJSON method or a Proxy), so it cannot be hashed`,
      { cause: error },
    );
  }
  return text;
}

const NO_KEYS: readonly string[] = [];
const NO_ITEMS: readonly unknown[] = [];

/** What `JSON.stringify` would serialize for `value`: the result of its `toJSON` method, if it has one. */
function viaToJSON(value: unknown, key: string | number): unknown {
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJSON.call(value, String(key)) as unknown;
  }
  return value;
}

/** The whole text of boxed primitives and binary data; `undefined` for other objects. */
function wholeText(value: object): string | undefined {
  if (value instanceof String) return JSON.stringify(String.prototype.valueOf.call(value));
  if (value instanceof Number) return String(Number.prototype.valueOf.call(value));
  if (value instanceof Boolean) return String(Boolean.prototype.valueOf.call(value));
  if (value instanceof BigInt) return `${BigInt.prototype.valueOf.call(value)}n`;
  const bytes = ArrayBuffer.isView(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : value instanceof ArrayBuffer || value instanceof SharedArrayBuffer
      ? Buffer.from(value)
      : undefined;
  if (bytes === undefined) return undefined;
  return `${Object.prototype.toString.call(value).slice(8, -1)}(${bytes.toString('base64')})`;
}

/**
 * Own enumerable string keys in the order earlier versions hashed them: array
 * indices ascending, then the rest sorted by UTF-16 code units (a plain object
 * built in sorted order lists its integer keys first).
 */
function sortedKeys(record: object): string[] {
  const indices: string[] = [];
  const names: string[] = [];
  for (const key of Object.keys(record)) (isArrayIndex(key) ? indices : names).push(key);
  indices.sort((a, b) => Number(a) - Number(b));
  names.sort();
  return indices.length === 0 ? names : indices.concat(names);
}

const MAX_ARRAY_INDEX = 4_294_967_294;
const isArrayIndex = (key: string): boolean => {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) <= MAX_ARRAY_INDEX;
};

function errorName(error: unknown): string {
  try {
    if (error instanceof Error && typeof error.name === 'string') return error.name;
  } catch {
    // a hostile error: say nothing more about it
  }
  return typeof error;
}
