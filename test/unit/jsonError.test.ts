import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeJsonError } from '../../src/jsonError.js';

/** Whether JSON.parse rejects the text. */
function failsToParse(text: string): boolean {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

describe('describeJsonError: where a text stops being JSON, without quoting it', () => {
  it.each<[string, string, string]>([
    ['empty input', '', 'Unexpected end of input at position 0 (line 1, column 1)'],
    ['whitespace only', ' \n\t', 'Unexpected end of input at position 3 (line 2, column 2)'],
    ['a word', 'Jane Q Public', 'Unexpected character at position 0 (line 1, column 1)'],
    ['a cut-off object', '{"orderId": "o-1",', 'Unexpected end of input at position 18 (line 1, column 19)'],
    ['a trailing comma', '{"a":1,}', 'Unexpected character at position 7 (line 1, column 8)'],
    ['a trailing comma in an array', '[1,]', 'Unexpected character at position 3 (line 1, column 4)'],
    ['a missing colon', '{"a" 1}', 'Unexpected character at position 5 (line 1, column 6)'],
    ['a missing comma', '[1 2]', 'Unexpected character at position 3 (line 1, column 4)'],
    ['a key that is not a string', '{a:1}', 'Unexpected character at position 1 (line 1, column 2)'],
    ['a second key that is not a string', '{"a":1,b:2}', 'Unexpected character at position 7 (line 1, column 8)'],
    ['an unterminated string', '"abc', 'Unexpected end of input at position 4 (line 1, column 5)'],
    [
      'a control character in a string',
      '"a\u0001b"',
      'Unescaped control character in a string at position 2 (line 1, column 3)',
    ],
    ['a bad escape', '"a\\qb"', 'Bad escape in a string at position 3 (line 1, column 4)'],
    ['a bad unicode escape', '"\\u12G4"', 'Bad unicode escape in a string at position 5 (line 1, column 6)'],
    ['a misspelt literal', 'tru', 'Unexpected end of input at position 3 (line 1, column 4)'],
    ['a literal gone wrong', 'nulx', 'Unexpected character at position 3 (line 1, column 4)'],
    ['a minus alone', '-', 'Unexpected end of input at position 1 (line 1, column 2)'],
    [
      'a leading zero',
      '01',
      'Unexpected non-whitespace character after the JSON value at position 1 (line 1, column 2)',
    ],
    ['a bare decimal point', '1.', 'Unexpected end of input at position 2 (line 1, column 3)'],
    ['a decimal point without digits', '1.x', 'Unexpected character at position 2 (line 1, column 3)'],
    ['an exponent without digits', '1e+', 'Unexpected end of input at position 3 (line 1, column 4)'],
    [
      'garbage after a value',
      '{"a":[1,2.5e-3,true,null,"x\\n\\u00e9"]} x',
      'Unexpected non-whitespace character after the JSON value at position 39 (line 1, column 40)',
    ],
    ['a break on a later line', '{\n  "a": 1,\n  "b": ]\n}', 'Unexpected character at position 19 (line 3, column 8)'],
    ['a closer that does not match', '[1}', 'Unexpected character at position 2 (line 1, column 3)'],
  ])('%s', (_label, text, expected) => {
    expect(failsToParse(text)).toBe(true);
    expect(describeJsonError(text)).toBe(expected);
  });

  it('handles any depth without recursion', () => {
    const deep = `${'['.repeat(200_000)}1${']'.repeat(199_999)}`;
    expect(describeJsonError(deep)).toBe('Unexpected end of input at position 400000 (line 1, column 400001)');
  });

  it('never throws, and points inside the text (or at its end) for any text JSON.parse rejects', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((json) => json.slice(0, -1)),
          fc.json().map((json) => `${json}}`),
        ),
        (text) => {
          fc.pre(failsToParse(text));
          const described = describeJsonError(text);
          const position = Number(/at position (\d+)/.exec(described)?.[1]);
          expect(position).toBeGreaterThanOrEqual(0);
          expect(position).toBeLessThanOrEqual(text.length);
          expect(described).toMatch(/^[A-Z][A-Za-z -]+ at position \d+ \(line \d+, column \d+\)$/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with JSON.parse: a valid JSON text followed by garbage breaks where the garbage starts', () => {
    fc.assert(
      fc.property(fc.json(), fc.constantFrom('x', ',', ']', '}', '"'), (json, garbage) => {
        const text = `${json}${garbage}`;
        fc.pre(failsToParse(text));
        const position = Number(/at position (\d+)/.exec(describeJsonError(text))?.[1]);
        expect(position).toBeGreaterThanOrEqual(json.trimEnd().length);
      }),
      { numRuns: 300 },
    );
  });
});
