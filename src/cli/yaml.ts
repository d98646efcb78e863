import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLError,
} from 'yaml';
import { TemplateError } from './errors.js';

/** How deep a template may nest: real ones stay under 30 levels; the parser's recursion would overflow near 10,000. */
export const MAX_DEPTH = 1000;
/** How many lines and flow items a file may have: a 1 MB template (CloudFormation's limit) has about 40,000 lines. */
export const MAX_VALUES = 80_000;
/** How many values YAML aliases may expand to in all: an alias bomb expands to billions. */
export const MAX_ALIAS_VALUES = 100_000;
/** How many repairs (see {@link repair}) one file may need before its first error is reported instead. */
const MAX_REPAIRS = 50;

const PATH_SEPARATOR = '\u0000';

/** YAML read into plain data, short-form tags in long form, with the line of each key by its path. */
export interface ParsedYaml {
  readonly value: unknown;
  readonly lines: ReadonlyMap<string, number>;
}

/** The key of {@link ParsedYaml.lines} for a path. */
export const linePath = (path: readonly string[]): string => path.join(PATH_SEPARATOR);

/**
 * Parses YAML (JSON included) as leniently as CloudFormation and PyYAML do: a plain `-` in a flow
 * sequence (`!Split [-, …]`) and a flow collection closed at its parent's indentation are accepted.
 * Aliases expand to at most {@link MAX_ALIAS_VALUES} values, nesting is bounded by {@link MAX_DEPTH},
 * and an alias inside the node it names is an error, not an endless expansion.
 *
 * @throws {TemplateError} with the line and column where reading broke.
 */
export function parseYaml(file: string, text: string, tags = true): ParsedYaml {
  checkShape(file, text);
  let source = text;
  let parsed = parseOnce(file, source);
  const first = parsed;
  for (let i = 0; i < MAX_REPAIRS && parsed.doc.errors.length > 0; i++) {
    const repaired = repair(source, parsed.doc.errors[0] as YAMLError, parsed.counter);
    if (repaired === undefined) break;
    source = repaired;
    parsed = parseOnce(file, source);
  }
  const [error] = parsed.doc.errors;
  if (error) {
    // The error in the file as written, not in a half-repaired copy.
    const reported = first.doc.errors[0] ?? error;
    const { line, col } = first.counter.linePos(reported.pos[0]);
    throw new TemplateError(file, `invalid YAML: ${yamlMessage(reported)}`, { line, column: col });
  }
  const lines = new Map<string, number>();
  const value = new Converter(file, parsed.doc, parsed.counter, lines, tags).convert(parsed.doc.contents, [], 0);
  return { value, lines };
}

function parseOnce(file: string, text: string): { doc: Document; counter: LineCounter } {
  const counter = new LineCounter();
  try {
    // uniqueKeys compares each key with every earlier one (quadratic): the converter checks duplicates with a Set.
    return { doc: parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false }), counter };
  } catch (error) {
    // checkDepth bounds what it can see; anything deeper that overflows the parser is reported the same way.
    if (error instanceof RangeError) throw new TemplateError(file, tooDeep(), undefined, { cause: error });
    throw error;
  }
}

/** The YAML library's message, without its advice to callers of its API. */
function yamlMessage(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') return 'the file holds several YAML documents (---); a template is one';
  return error.message.split('\n')[0] as string;
}

/**
 * One repair of a construct that PyYAML and CloudFormation accept and the YAML 1.2 parser does not,
 * on the line the parser stopped at; `undefined` when the error is not one of them. Repairs keep
 * every line where it was, so reported lines stay true.
 */
function repair(text: string, error: YAMLError, counter: LineCounter): string | undefined {
  const at = error.pos[0];
  if (error.code === 'MULTILINE_IMPLICIT_KEY' || error.code === 'BLOCK_IN_FLOW') {
    // `[-, x]`: a plain `-` in a flow sequence is the string "-" to PyYAML.
    if (text[at] === '-' && /^-\s*[,\]]/.test(text.slice(at, at + 64)))
      return `${text.slice(0, at)}"-"${text.slice(at + 1)}`;
    return undefined;
  }
  if (error.code === 'BAD_INDENT' && /^Flow (map|sequence)/.test(error.message)) {
    // A flow collection's lines (often its closing bracket) at the indentation of the key that holds it.
    const lineStart = counter.lineStarts[counter.linePos(at).line - 1] ?? at;
    return `${text.slice(0, lineStart)} ${text.slice(lineStart)}`;
  }
  return undefined;
}

/**
 * Refuses, before the parser spends time and memory on it, nesting deeper than {@link MAX_DEPTH} (flow
 * brackets `[[[…`, `{"a":{"a":…` and compact block sequences `- - - …`) and more than {@link MAX_VALUES}
 * lines and flow items: the YAML parser holds about a kilobyte per value, so a 2 MB list of numbers
 * would take a gigabyte. Quoted strings and comments are skipped. Returns the count of lines and items.
 */
export function checkShape(file: string, text: string, limitValues = true): number {
  let depth = 0;
  let values = 0;
  let line = 1;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      values++;
      if (quote === '#') quote = '';
    } else if (quote === '#') {
      // a comment, to the end of the line
    } else if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if ((c === '"' || c === "'") && (i === 0 || TOKEN_START.test(text[i - 1] as string))) {
      // A quote opens a scalar only where a token starts: the apostrophe in `it's` is text.
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) quote = '#';
    else if (c === '[' || c === '{') {
      depth++;
      values++;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === ',') values++;
    if (depth > MAX_DEPTH) throw new TemplateError(file, tooDeep(), { line, column: 1 });
    if (limitValues && values > MAX_VALUES) {
      throw new TemplateError(
        file,
        `has more than ${MAX_VALUES.toLocaleString('en-US')} lines and flow collections and items; templates have a few thousand`,
        { line, column: 1 },
      );
    }
  }
  for (let start = 0, n = 1; start < text.length; n++) {
    if (blockDepth(text, start) > MAX_DEPTH) throw new TemplateError(file, tooDeep(), { line: n, column: 1 });
    const next = text.indexOf('\n', start);
    if (next < 0) break;
    start = next + 1;
  }
  return values;
}

const TOKEN_START = /[\s[{,:]/;

/** The levels a line opens by its indentation and compact `- ` entries: a level per space is an upper bound. */
function blockDepth(text: string, start: number): number {
  let i = start;
  while (text[i] === ' ' || text[i] === '-') i++;
  return i - start;
}

const tooDeep = () => `nests more than ${MAX_DEPTH.toLocaleString('en-US')} levels deep; templates nest a few dozen`;

/** Converts parsed YAML to plain data within the alias and depth bounds. */
class Converter {
  private aliasValues = 0;
  /** Aliases being expanded, innermost last: an alias to a node that contains it would never end. */
  private readonly expanding: Alias[] = [];

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly counter: LineCounter,
    private readonly lines: Map<string, number>,
    private readonly tags: boolean,
  ) {}

  convert(node: unknown, path: readonly string[], depth: number): unknown {
    if (node === null || node === undefined) return null;
    if (depth > MAX_DEPTH) throw new TemplateError(this.file, tooDeep(), this.position(node as Node));
    if (this.expanding.length > 0 && ++this.aliasValues > MAX_ALIAS_VALUES) {
      throw new TemplateError(
        this.file,
        `YAML aliases expand to more than ${MAX_ALIAS_VALUES.toLocaleString('en-US')} values (an alias bomb?)`,
        this.position(this.expanding[0] as Node),
      );
    }
    if (isAlias(node)) return this.alias(node, path, depth);
    let value: unknown;
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        if (Object.hasOwn(object, key)) {
          throw new TemplateError(
            this.file,
            `invalid YAML: Map keys must be unique (${key})`,
            this.position(pair.key as Node),
          );
        }
        const keyPath = [...path, key];
        const range = (pair.key as Node | null)?.range;
        if (range && this.expanding.length === 0)
          this.lines.set(linePath(keyPath), this.counter.linePos(range[0]).line);
        // defineProperty: a `__proto__` key is data, not the object's prototype.
        Object.defineProperty(object, key, {
          value: this.convert(pair.value, keyPath, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      value = object;
    } else if (isSeq(node)) {
      value = node.items.map((item, index) => this.convert(item, [...path, String(index)], depth + 1));
    } else {
      value = isScalar(node) ? node.value : null;
    }
    const tag = (node as Node).tag;
    return this.tags && tag?.startsWith('!') && !tag.startsWith('!!') ? longForm(tag.slice(1), value) : value;
  }

  private alias(node: Alias, path: readonly string[], depth: number): unknown {
    const target = node.resolve(this.doc);
    if (target === undefined) return null;
    const source = this.doc.contents;
    if (
      target === source ||
      this.expanding.some((a) => a.resolve(this.doc) === target) ||
      this.contains(target, node)
    ) {
      throw new TemplateError(
        this.file,
        `the YAML alias *${node.source} refers to a node that contains it`,
        this.position(node),
      );
    }
    this.expanding.push(node);
    try {
      return this.convert(target, path, depth);
    } finally {
      this.expanding.pop();
    }
  }

  /** Whether `alias` sits inside `node` (the anchor it names is one of its ancestors). */
  private contains(node: unknown, alias: Alias): boolean {
    const start = alias.range?.[0];
    const range = (node as Node).range;
    return start !== undefined && range !== undefined && range !== null && start >= range[0] && start < range[1];
  }

  private position(node: Node): { line: number; column: number } | undefined {
    const start = node?.range?.[0];
    if (start === undefined) return undefined;
    const { line, col } = this.counter.linePos(start);
    return { line, column: col };
  }
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
