/**
 * Where a text stops being JSON, told without quoting it. V8's `JSON.parse`
 * messages quote the text (`Unexpected token 'J', "Jane Q Pub"... is not
 * valid JSON`), and a message body must never reach a log line or an error
 * message, so on the failure path we scan the text ourselves for the first
 * offending position. The scan keeps its own stack, so any depth is fine.
 */
export function describeJsonError(text: string): string {
  const { offset, reason } = locate(text);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${reason} at position ${offset} (line ${line}, column ${offset - lineStart + 1})`;
}

interface Located {
  readonly offset: number;
  readonly reason: string;
}

const END = 'Unexpected end of input';
const CHARACTER = 'Unexpected character';

/** The first offset at which `text` is not JSON (RFC 8259). */
function locate(text: string): Located {
  const n = text.length;
  // Each open container: 0x5b '[' or 0x7b '{'. After a value inside one we expect ',' or its closer.
  const open: number[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      i++;
    }
  };
  const fail = (reason = CHARACTER): Located => ({ offset: i, reason: i >= n ? END : reason });

  for (;;) {
    // Expect a value.
    skipSpace();
    if (i >= n) return fail();
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      open.push(c);
      i++;
      skipSpace();
      const closer = c === 0x7b ? 0x7d : 0x5d;
      if (text.charCodeAt(i) === closer) {
        open.pop();
        i++;
      } else if (c === 0x7b) {
        const key = objectKey();
        if (key !== undefined) return key;
        continue;
      } else {
        continue;
      }
    } else {
      const scalar = c === 0x22 ? string() : c === 0x74 || c === 0x66 || c === 0x6e ? literal() : number();
      if (scalar !== undefined) return scalar;
    }
    // After a value: close containers or move to the next member.
    for (;;) {
      skipSpace();
      const top = open[open.length - 1];
      if (top === undefined) {
        return i < n ? fail('Unexpected non-whitespace character after the JSON value') : { offset: n, reason: END };
      }
      if (i >= n) return fail();
      const d = text.charCodeAt(i);
      if (d === (top === 0x7b ? 0x7d : 0x5d)) {
        open.pop();
        i++;
        continue;
      }
      if (d !== 0x2c) return fail();
      i++;
      if (top === 0x7b) {
        skipSpace();
        const key = objectKey();
        if (key !== undefined) return key;
      }
      break;
    }
  }

  /** A member name and its colon; leaves `i` at the member's value. */
  function objectKey(): Located | undefined {
    if (text.charCodeAt(i) !== 0x22) return fail();
    const bad = string();
    if (bad !== undefined) return bad;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) return fail();
    i++;
    return undefined;
  }

  function string(): Located | undefined {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail('Unescaped control character in a string');
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            if (!isHex(text.charCodeAt(i + k))) {
              i += k;
              return fail('Bad unicode escape in a string');
            }
          }
          i += 6;
          continue;
        }
        if (!ESCAPES.has(e)) {
          i++;
          return fail('Bad escape in a string');
        }
        i += 2;
        continue;
      }
      i++;
    }
    return fail(); // past the end: the string never closed
  }

  function literal(): Located | undefined {
    for (const word of LITERALS) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return undefined;
      }
    }
    // Point at the first character that departs from every literal.
    const start = i;
    let best = start;
    for (const word of LITERALS) {
      let k = 0;
      while (k < word.length && text.charCodeAt(start + k) === word.charCodeAt(k)) k++;
      best = Math.max(best, start + k);
    }
    i = best;
    return fail();
  }

  function number(): Located | undefined {
    if (text.charCodeAt(i) === 0x2d) i++;
    const first = text.charCodeAt(i);
    if (first === 0x30) i++;
    else if (isDigit(first)) while (isDigit(text.charCodeAt(i))) i++;
    else return fail();
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(text.charCodeAt(i))) return fail();
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (!isDigit(text.charCodeAt(i))) return fail();
      while (isDigit(text.charCodeAt(i))) i++;
    }
    return undefined;
  }
}

const LITERALS = ['true', 'false', 'null'] as const;
/** The characters allowed after a backslash, besides `u`: `"` `\` `/` `b` `f` `n` `r` `t`. */
const ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
