import { readFile } from 'node:fs/promises';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { TemplateError } from './errors.js';
import { isPlainObject } from './intrinsics.js';

/** A template read from disk: its body with intrinsics in long form, and where each key was written. */
export interface LoadedTemplate {
  readonly file: string;
  /** `serverless` for a Serverless Framework configuration; a CloudFormation, SAM or CDK template otherwise. */
  readonly format?: 'serverless';
  readonly body: Readonly<Record<string, unknown>>;
  /** The 1-based line of a key, by its path from the root, e.g. `['Resources', 'Queue', 'Properties']`. */
  lineOf(path: readonly string[]): number | undefined;
}

const PATH_SEPARATOR = '\u0000';

/**
 * Reads a SAM or CloudFormation template, YAML (short-form tags such as `!Ref`
 * and `!GetAtt` become their long forms) or JSON (including CDK's synthesized
 * `*.template.json`).
 *
 * @throws {TemplateError} when the file cannot be read or parsed, with the line where parsing broke.
 */
export async function loadTemplate(file: string): Promise<LoadedTemplate> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new TemplateError(file, readFailure(error), undefined, { cause: error });
  }
  return parseTemplate(file, text);
}

/** Parses template text; see {@link loadTemplate}. */
export function parseTemplate(file: string, text: string): LoadedTemplate {
  const json = text.trimStart().startsWith('{');
  const lines = new Map<string, number>();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  let body: unknown;
  if (json) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new TemplateError(file, `invalid JSON: ${(error as Error).message}`, jsonPosition(text, error), {
        cause: error,
      });
    }
    // JSON is YAML too: the YAML reading only tells where each key was written.
    if (doc.errors.length === 0) toValue(doc.contents, [], lines, lineCounter, doc);
  } else {
    const [first] = doc.errors;
    if (first) {
      const { line, col } = lineCounter.linePos(first.pos[0]);
      throw new TemplateError(file, `invalid YAML: ${first.message}`, { line, column: col });
    }
    body = toValue(doc.contents, [], lines, lineCounter, doc);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TemplateError(file, 'not a CloudFormation template: the top level is not a mapping');
  }
  if (isServerlessConfig(body)) {
    return { file, format: 'serverless', body, lineOf: (path) => lines.get(path.join(PATH_SEPARATOR)) };
  }
  const resources = (body as Record<string, unknown>).Resources;
  if (resources === null || typeof resources !== 'object' || Array.isArray(resources)) {
    throw new TemplateError(file, 'not a CloudFormation template: no Resources section');
  }
  return {
    file,
    body: body as Record<string, unknown>,
    lineOf: (path) => lines.get(path.join(PATH_SEPARATOR)),
  };
}

/** Converts a YAML node to plain data, short-form tags to long form, recording each key's line. */
function toValue(
  node: unknown,
  path: readonly string[],
  lines: Map<string, number>,
  counter: LineCounter,
  doc: Document,
): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toValue(node.resolve(doc), path, lines, counter, doc);
  let value: unknown;
  if (isMap(node)) {
    const object: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const keyPath = [...path, key];
      const range = (pair.key as Node | null)?.range;
      if (range) lines.set(keyPath.join(PATH_SEPARATOR), counter.linePos(range[0]).line);
      object[key] = toValue(pair.value, keyPath, lines, counter, doc);
    }
    value = object;
  } else if (isSeq(node)) {
    value = node.items.map((item, index) => toValue(item, [...path, String(index)], lines, counter, doc));
  } else {
    value = isScalar(node) ? node.value : null;
  }
  const tag = (node as Node).tag;
  return tag?.startsWith('!') && !tag.startsWith('!!') ? longForm(tag.slice(1), value) : value;
}

/** `!Ref X` → `{ Ref: X }`, `!GetAtt A.B` → `{ 'Fn::GetAtt': ['A', 'B'] }`, `!Sub s` → `{ 'Fn::Sub': s }`. */
function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a template file';
  if (code === 'EACCES') return 'permission denied';
  return `cannot be read: ${(error as Error).message}`;
}

/** Line and column of a `JSON.parse` error, from the position its message names. */
export function jsonPosition(text: string, error: unknown): { line: number; column: number } | undefined {
  const message = (error as Error).message;
  const position =
    /at position (\d+)/.exec(message)?.[1] ?? (/end of JSON input/.test(message) ? text.length : undefined);
  if (position !== undefined) {
    const before = text.slice(0, Number(position));
    const lineStart = before.lastIndexOf('\n') + 1;
    return { line: before.split('\n').length, column: before.length - lineStart + 1 };
  }
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  return undefined;
}

/** Whether a parsed file is a Serverless Framework configuration rather than a template. */
export function isServerlessConfig(body: unknown): body is Record<string, unknown> {
  return (
    isPlainObject(body) &&
    !('Resources' in body) &&
    'service' in body &&
    (isPlainObject(body.functions) || isPlainObject(body.provider))
  );
}
