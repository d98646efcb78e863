/**
 * CloudWatch's rules for the names and values a metrics document carries, as
 * the CloudWatch API reference states them (`Dimension`, `PutMetricData`):
 * ASCII only, no control characters, at least one character that is not
 * whitespace; a dimension name of 1 to 255 characters that does not start
 * with `:`, a dimension value of 1 to 1,024, a namespace of 1 to 255 that
 * does not start with `AWS/` (reserved for AWS). CloudWatch drops what
 * breaks them when it extracts the metrics, long after the handler has run,
 * so the handler checks them up front.
 */

export const MAX_NAMESPACE_LENGTH = 255;
export const MAX_DIMENSION_NAME_LENGTH = 255;
export const MAX_DIMENSION_VALUE_LENGTH = 1024;

/** What stands in for a dimension value that has nothing CloudWatch accepts. */
export const UNKNOWN_VALUE = 'unknown';

/** Printable ASCII, space included: what CloudWatch takes in names and values. */
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Why `text` breaks the shared rules (printable ASCII, not blank, a length from 1 to `max`), or `undefined`. */
function breaks(text: unknown, max: number): string | undefined {
  if (typeof text !== 'string') return 'not a string';
  if (text.length === 0 || text.trim() === '') return 'blank';
  if (text.length > max) return `${text.length} characters long`;
  if (!PRINTABLE.test(text)) return 'not printable ASCII';
  return undefined;
}

/** Why CloudWatch would refuse `name` as a namespace, or `undefined` when it takes it. */
export function namespaceProblem(name: unknown): string | undefined {
  const problem = breaks(name, MAX_NAMESPACE_LENGTH);
  if (problem !== undefined) return problem;
  return (name as string).startsWith('AWS/') ? 'starting with `AWS/` (reserved for AWS)' : undefined;
}

/** Why CloudWatch would refuse `name` as a dimension name, or `undefined` when it takes it. */
export function dimensionNameProblem(name: unknown): string | undefined {
  const problem = breaks(name, MAX_DIMENSION_NAME_LENGTH);
  if (problem !== undefined) return problem;
  return (name as string).startsWith(':') ? 'starting with `:`' : undefined;
}

/** Why CloudWatch would refuse `value` as a dimension value, or `undefined` when it takes it. */
export function dimensionValueProblem(value: unknown): string | undefined {
  return breaks(value, MAX_DIMENSION_VALUE_LENGTH);
}

/**
 * `text` made into a dimension value CloudWatch accepts: each character
 * outside printable ASCII (a control character such as a newline or NUL,
 * anything non-ASCII) becomes one `?`, the result is cut to 1,024
 * characters, and a value left blank (or none at all) becomes `unknown`.
 * A value CloudWatch already accepts comes back unchanged. `?` never occurs
 * in an SQS queue name, so a changed name cannot pass for a real queue's.
 */
export function toDimensionValue(text: string | undefined): string {
  if (text === undefined) return UNKNOWN_VALUE;
  if (dimensionValueProblem(text) === undefined) return text;
  let out = '';
  for (const character of text) {
    if (out.length >= MAX_DIMENSION_VALUE_LENGTH) break;
    out += PRINTABLE.test(character) ? character : '?';
  }
  return out.trim() === '' ? UNKNOWN_VALUE : out;
}

/** `value` for an option error: quoted like `describeValue` does, long strings cut to their start. */
export function abbreviated(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}…` : value;
}
