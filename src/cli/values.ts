/** Reading values out of a template: numbers, booleans and lists with AWS's defaults, ARNs, JSON. */
import { Composite, describe, type Evaluator, isPlainObject, NO_VALUE, Pseudo, ResourceAttr } from './intrinsics.js';
import { type Known, known, unknown } from './model.js';

/** A number (numeric strings too), `fallback` when absent, or why it is not known. */
export function readNumber<D extends number | undefined>(
  evaluator: Evaluator,
  node: unknown,
  label: string,
  fallback: D,
): Known<number | D> {
  const value = evaluator.shallow(node);
  if (!value.known) return unknown(`${label}: ${value.reason}`);
  const v = value.value;
  if (v === undefined || v === null || v === NO_VALUE) return known(fallback, true);
  if (typeof v === 'number') return known(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return known(Number(v));
  return unknown(`${label} is ${describe(v)}, ${deployedOnly(v) ? 'known only once deployed' : 'not a number'}`);
}

/** A boolean (`'true'`/`'false'` too), `fallback` when absent, or why it is not known. */
export function readBoolean(evaluator: Evaluator, node: unknown, label: string, fallback: boolean): Known<boolean> {
  const value = evaluator.shallow(node);
  if (!value.known) return unknown(`${label}: ${value.reason}`);
  const v = value.value;
  if (v === undefined || v === null || v === NO_VALUE) return known(fallback, true);
  if (v === true || v === 'true') return known(true);
  if (v === false || v === 'false') return known(false);
  return unknown(`${label} is ${describe(v)}, ${deployedOnly(v) ? 'known only once deployed' : 'not a boolean'}`);
}

/** A list of strings, empty when absent, or why it is not known. */
export function readStringList(evaluator: Evaluator, node: unknown, label: string): Known<readonly string[]> {
  const value = evaluator.deep(node);
  if (!value.known) return unknown(`${label}: ${value.reason}`);
  const v = value.value;
  if (v === undefined || v === null || v === NO_VALUE) return known([], true);
  if (Array.isArray(v) && v.every((item) => typeof item === 'string')) return known(v);
  return unknown(`${label} is ${describe(v)}, not a list of strings`);
}

/**
 * The resource part (after the fifth `:`) of an SQS ARN: text, or the single
 * deploy-time value it is made of (`${Queue.QueueName}`). `null` when the ARN is
 * an SQS ARN whose resource part cannot be told; `undefined` when it is no SQS ARN.
 */
export function arnResource(value: unknown): string | ResourceAttr | null | undefined {
  const text = flatten(value);
  const segments = text?.split(':') ?? [];
  if (segments[0] !== 'arn' || segments[2] !== 'sqs' || segments.length !== 6) return undefined;
  const resource = segments[5] as string;
  if (typeof value === 'string') return resource;
  const parts = (value as Composite).parts;
  const last = parts.at(-1);
  const before = parts.at(-2);
  if (last instanceof ResourceAttr && typeof before === 'string' && before.endsWith(':')) return last;
  return typeof last === 'string' && !resource.includes('*') ? resource : null;
}

/**
 * Parses JSON written as a string or built by `Fn::Sub` (`'{"deadLetterTargetArn":"${Dlq.Arn}"}'`):
 * deploy-time values come back in place, as themselves or inside a {@link Composite}.
 */
export function parseJson(text: string | Composite): unknown {
  const parts = typeof text === 'string' ? [text] : text.parts;
  const token = (i: number) => `@@cfn-value-${i}@@`;
  const source = parts.map((part, i) => (typeof part === 'string' ? part : token(i))).join('');
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    return undefined;
  }
  const restore = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const pieces = value.split(/(@@cfn-value-\d+@@)/).filter((piece) => piece !== '');
      const restored = pieces.map((piece) => {
        const index = /^@@cfn-value-(\d+)@@$/.exec(piece)?.[1];
        return index === undefined ? piece : (parts[Number(index)] as ResourceAttr | Pseudo);
      });
      if (restored.length === 1 && typeof restored[0] !== 'string') return restored[0];
      return restored.every((piece) => typeof piece === 'string') ? value : new Composite(restored);
    }
    if (Array.isArray(value)) return value.map(restore);
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v)]));
    return value;
  };
  return restore(parsed);
}

/** A string, or a composite with each deploy-time value as `*`. */
export function flatten(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Composite) return value.parts.map((p) => (typeof p === 'string' ? p : '*')).join('');
  return undefined;
}

function deployedOnly(value: unknown): boolean {
  return value instanceof ResourceAttr || value instanceof Pseudo || value instanceof Composite;
}

/** The value when it is a plain object, else `{}`: for reading optional template sections. */
export function objectOrEmpty(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}
