import { type Known, known, unknown } from './model.js';

/** `!Ref Resource` (attribute `undefined`) or `!GetAtt Resource.Attribute`: known only once deployed. */
export class ResourceAttr {
  constructor(
    readonly logicalId: string,
    readonly attribute?: string,
  ) {}
}

/** A pseudo parameter such as `AWS::Region`: known only once deployed. */
export class Pseudo {
  constructor(readonly name: string) {}
}

/** A string built by `Fn::Sub` or `Fn::Join` from text and values known only once deployed. */
export class Composite {
  constructor(readonly parts: readonly (string | ResourceAttr | Pseudo)[]) {}
}

/** A value the input's own language could not resolve (a Serverless `${ssm:…}`, a Terraform `data.…`), with why. */
export class Unresolvable {
  constructor(readonly reason: string) {}
}

/** An `!ImportValue` of an export that another template in the same run declares: its value, read there. */
export class Imported {
  constructor(
    readonly name: string,
    readonly value: unknown,
    /** The reader of the exporting template, which resolves what `value` names. */
    readonly owner: unknown,
  ) {}
}

/** `!Ref AWS::NoValue`: the property is absent. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** The sections of a template that intrinsics read. */
export interface Scope {
  readonly resources: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly conditions: Readonly<Record<string, unknown>>;
  readonly mappings: Readonly<Record<string, unknown>>;
  /** Parameter values given on the command line; they win over `Default`. */
  readonly overrides: ReadonlyMap<string, string>;
  /** An export of another template checked in the same run, by name. */
  readonly imports?: (name: string) => Imported | undefined;
}

const MAX_DEPTH = 64;

/**
 * Evaluates CloudFormation intrinsic functions as far as a template allows:
 * parameter defaults, mappings, conditions, `Fn::Sub`, `Fn::Join`, `Fn::Select`,
 * `Fn::Split` and `Fn::If`. What only a deployment knows (resource attributes,
 * pseudo parameters) stays symbolic; what cannot be known at all (an import
 * from another stack, an SSM parameter) is reported with its reason.
 */
export class Evaluator {
  constructor(private readonly scope: Scope) {}

  /** Evaluates the intrinsic at the top of `node`; plain objects come back with their children as written. */
  shallow(node: unknown, depth = 0): Known<unknown> {
    if (depth > MAX_DEPTH) return unknown('intrinsic functions nest too deeply to evaluate');
    if (node instanceof Unresolvable) return unknown(node.reason);
    if (typeof node === 'string' && node.includes('{{resolve:')) {
      return unknown(`${node} is a dynamic reference, resolved only at deployment`);
    }
    const call = intrinsic(node);
    if (!call) return known(node);
    const [name, args] = call;
    switch (name) {
      case 'Ref':
        return this.ref(args);
      case 'Fn::GetAtt':
        return this.getAtt(args, depth);
      case 'Fn::Sub':
        return this.sub(args, depth);
      case 'Fn::Join':
        return this.join(args, depth);
      case 'Fn::Select':
        return this.select(args, depth);
      case 'Fn::Split':
        return this.split(args, depth);
      case 'Fn::If':
        return this.if(args, depth);
      case 'Fn::FindInMap':
        return this.findInMap(args, depth);
      case 'Fn::ToJsonString':
        // Its argument is what the template means; callers accept an object or a JSON string alike.
        return this.deep(args, depth + 1);
      case 'Fn::ImportValue':
        return this.importValue(node, args, depth);
      default:
        return unknown(`${describe(node)} is not evaluated by this check`);
    }
  }

  /** Evaluates `node` and everything inside it. `AWS::NoValue` entries are dropped. */
  deep(node: unknown, depth = 0): Known<unknown> {
    const top = this.shallow(node, depth);
    if (!top.known) return top;
    const value = top.value;
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const item of value) {
        const evaluated = this.deep(item, depth + 1);
        if (!evaluated.known) return evaluated;
        if (evaluated.value !== NO_VALUE) items.push(evaluated.value);
      }
      return known(items);
    }
    if (isPlainObject(value)) {
      const object: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        const evaluated = this.deep(child, depth + 1);
        if (!evaluated.known) return evaluated;
        if (evaluated.value !== NO_VALUE) object[key] = evaluated.value;
      }
      return known(object);
    }
    return top;
  }

  /** Evaluates the condition named `name` in the template's `Conditions`. */
  condition(name: unknown, depth = 0): Known<boolean> {
    if (typeof name !== 'string' || !(name in this.scope.conditions)) {
      return unknown(`condition ${String(name)} is not defined`);
    }
    const result = this.conditionExpression(this.scope.conditions[name], depth + 1);
    return result.known ? result : unknown(`condition ${name} cannot be evaluated: ${result.reason}`);
  }

  private conditionExpression(node: unknown, depth: number): Known<boolean> {
    if (depth > MAX_DEPTH) return unknown('conditions nest too deeply to evaluate');
    const call = intrinsic(node, true);
    if (!call) return typeof node === 'boolean' ? known(node) : unknown(`${describe(node)} is not a condition`);
    const [name, args] = call;
    const list = Array.isArray(args) ? args : [args];
    if (name === 'Condition') return this.condition(args, depth);
    if (name === 'Fn::Not') return mapKnown(this.conditionExpression(list[0], depth + 1), (value) => !value);
    if (name === 'Fn::And' || name === 'Fn::Or') {
      const values: boolean[] = [];
      for (const item of list) {
        const value = this.conditionExpression(item, depth + 1);
        if (!value.known) return value;
        values.push(value.value);
      }
      return known(name === 'Fn::And' ? values.every(Boolean) : values.some(Boolean));
    }
    if (name === 'Fn::Equals') {
      const [left, right] = list.map((item) => this.shallow(item, depth + 1));
      if (!left?.known) return left ?? unknown('Fn::Equals needs two values');
      if (!right?.known) return right ?? unknown('Fn::Equals needs two values');
      if (!isPrimitive(left.value) || !isPrimitive(right.value)) {
        return unknown(`${describe(node)} depends on values known only once deployed`);
      }
      return known(String(left.value) === String(right.value));
    }
    return unknown(`${describe(node)} is not a condition`);
  }

  private ref(name: unknown): Known<unknown> {
    if (typeof name !== 'string') return unknown(`${describe({ Ref: name })} is not a valid Ref`);
    if (name === 'AWS::NoValue') return known(NO_VALUE);
    if (name.startsWith('AWS::')) return known(new Pseudo(name));
    if (name in this.scope.parameters) return this.parameter(name);
    if (name in this.scope.resources) return known(new ResourceAttr(name));
    return unknown(`!Ref ${name} names nothing defined in this template`);
  }

  private parameter(name: string): Known<unknown> {
    const declaration = this.scope.parameters[name];
    const type = isPlainObject(declaration) ? String(declaration.Type ?? 'String') : 'String';
    if (type.startsWith('AWS::SSM::Parameter::Value')) {
      return unknown(`parameter ${name} is read from SSM Parameter Store at deployment`);
    }
    const value = this.scope.overrides.get(name) ?? (isPlainObject(declaration) ? declaration.Default : undefined);
    if (value === undefined) return unknown(`parameter ${name} has no Default; pass --parameter ${name}=<value>`);
    if (type.startsWith('List<') || type === 'CommaDelimitedList') {
      return known(Array.isArray(value) ? value : String(value).split(','));
    }
    return known(value);
  }

  private importValue(node: unknown, args: unknown, depth: number): Known<unknown> {
    const name = this.shallow(args, depth + 1);
    const found = name.known && typeof name.value === 'string' ? this.scope.imports?.(name.value) : undefined;
    return found
      ? known(found)
      : unknown(`${describe(node)} is imported from another stack (pass the exporting template too)`);
  }

  private getAtt(args: unknown, depth: number): Known<unknown> {
    // The string form, `"Fn::GetAtt": "Queue.Arn"`, is valid too.
    if (typeof args === 'string' && args.includes('.')) {
      const dot = args.indexOf('.');
      return this.getAtt([args.slice(0, dot), args.slice(dot + 1)], depth);
    }
    if (!Array.isArray(args) || typeof args[0] !== 'string')
      return unknown(`${describe({ 'Fn::GetAtt': args })} is malformed`);
    const attribute = this.shallow(args[1], depth + 1);
    if (!attribute.known) return attribute;
    if (!(args[0] in this.scope.resources)) return unknown(`!GetAtt ${args[0]} names no resource in this template`);
    return known(new ResourceAttr(args[0], String(attribute.value)));
  }

  private sub(args: unknown, depth: number): Known<unknown> {
    const [text, variables] = Array.isArray(args) ? args : [args, {}];
    if (typeof text !== 'string') return unknown(`${describe({ 'Fn::Sub': args })} is malformed`);
    const parts: unknown[] = [];
    let last = 0;
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      parts.push(text.slice(last, match.index));
      last = match.index + match[0].length;
      const name = match[1] as string;
      if (name.startsWith('!')) {
        parts.push(`\${${name.slice(1)}}`);
        continue;
      }
      const variable = isPlainObject(variables) && name in variables ? variables[name] : undefined;
      const dot = name.indexOf('.');
      const value =
        variable !== undefined
          ? this.shallow(variable, depth + 1)
          : dot > 0 && !name.startsWith('AWS::')
            ? this.getAtt([name.slice(0, dot), name.slice(dot + 1)], depth)
            : this.ref(name);
      if (!value.known) return value;
      parts.push(value.value);
    }
    parts.push(text.slice(last));
    return concatenate(parts);
  }

  private join(args: unknown, depth: number): Known<unknown> {
    if (!Array.isArray(args) || typeof args[0] !== 'string')
      return unknown(`${describe({ 'Fn::Join': args })} is malformed`);
    const list = this.deep(args[1], depth + 1);
    if (!list.known) return list;
    if (!Array.isArray(list.value)) return unknown(`${describe({ 'Fn::Join': args })} does not join a list`);
    const parts: unknown[] = [];
    list.value.forEach((item, index) => {
      if (index > 0) parts.push(args[0]);
      parts.push(item);
    });
    return concatenate(parts);
  }

  private select(args: unknown, depth: number): Known<unknown> {
    if (!Array.isArray(args)) return unknown(`${describe({ 'Fn::Select': args })} is malformed`);
    const index = this.shallow(args[0], depth + 1);
    if (!index.known) return index;
    const list = this.deep(args[1], depth + 1);
    if (!list.known) return list;
    const item = Array.isArray(list.value) ? list.value[Number(index.value)] : undefined;
    return item === undefined ? unknown(`${describe({ 'Fn::Select': args })} selects nothing`) : known(item);
  }

  private split(args: unknown, depth: number): Known<unknown> {
    if (!Array.isArray(args) || typeof args[0] !== 'string')
      return unknown(`${describe({ 'Fn::Split': args })} is malformed`);
    const source = this.shallow(args[1], depth + 1);
    if (!source.known) return source;
    if (typeof source.value !== 'string')
      return unknown(`${describe({ 'Fn::Split': args })} splits a value known only once deployed`);
    return known(source.value.split(args[0]));
  }

  private if(args: unknown, depth: number): Known<unknown> {
    if (!Array.isArray(args) || args.length !== 3) return unknown(`${describe({ 'Fn::If': args })} is malformed`);
    const condition = this.condition(args[0], depth);
    if (!condition.known) return condition;
    return this.shallow(condition.value ? args[1] : args[2], depth + 1);
  }

  private findInMap(args: unknown, depth: number): Known<unknown> {
    if (!Array.isArray(args) || args.length < 3) return unknown(`${describe({ 'Fn::FindInMap': args })} is malformed`);
    const keys: string[] = [];
    for (const key of args.slice(0, 3)) {
      const value = this.shallow(key, depth + 1);
      if (!value.known) return value;
      if (!isPrimitive(value.value))
        return unknown(`${describe({ 'Fn::FindInMap': args })} looks up a key known only once deployed`);
      keys.push(String(value.value));
    }
    const [map, top, second] = keys as [string, string, string];
    const level = this.scope.mappings[map];
    const entry = isPlainObject(level) && isPlainObject(level[top]) ? level[top][second] : undefined;
    if (entry !== undefined) return this.shallow(entry, depth + 1);
    const fallback = isPlainObject(args[3]) ? args[3].DefaultValue : undefined;
    if (fallback !== undefined) return this.shallow(fallback, depth + 1);
    return unknown(`mapping ${map} has no entry ${top}.${second}`);
  }
}

/** `[name, arguments]` when `node` is an intrinsic function call. */
function intrinsic(node: unknown, conditions = false): [string, unknown] | undefined {
  if (!isPlainObject(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const name = keys[0] as string;
  if (name === 'Ref' || name.startsWith('Fn::') || (conditions && name === 'Condition')) return [name, node[name]];
  return undefined;
}

/** Joins parts into a string, or a {@link Composite} when some are known only once deployed. */
function concatenate(parts: readonly unknown[]): Known<unknown> {
  const out: (string | ResourceAttr | Pseudo)[] = [];
  for (const part of parts) {
    if (part instanceof Composite) out.push(...part.parts);
    else if (part instanceof ResourceAttr || part instanceof Pseudo) out.push(part);
    else if (isPrimitive(part)) out.push(String(part));
    else return unknown(`a string is built from ${describe(part)}`);
  }
  const merged: (string | ResourceAttr | Pseudo)[] = [];
  for (const part of out) {
    const previous = merged.at(-1);
    if (typeof part === 'string' && typeof previous === 'string') merged[merged.length - 1] = previous + part;
    else if (part !== '') merged.push(part);
  }
  if (merged.every((part) => typeof part === 'string')) return known(merged.join(''));
  // `!Sub '${Queue.Arn}'` is the attribute itself.
  if (merged.length === 1) return known(merged[0]);
  return known(new Composite(merged));
}

function mapKnown<T, U>(value: Known<T>, map: (value: T) => U): Known<U> {
  return value.known ? known(map(value.value)) : value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A short, template-like rendering of a value for messages: `!ImportValue SharedQueueArn`. */
export function describe(value: unknown): string {
  if (value instanceof ResourceAttr)
    return value.attribute ? `!GetAtt ${value.logicalId}.${value.attribute}` : `!Ref ${value.logicalId}`;
  if (value instanceof Pseudo) return value.name;
  if (value instanceof Imported) return `!ImportValue ${value.name}`;
  if (value instanceof Unresolvable) return value.reason;
  if (value instanceof Composite)
    return value.parts
      .map((part) => (typeof part === 'string' ? part : `\${${describe(part).replace(/^!(Ref|GetAtt) /, '')}}`))
      .join('');
  const call = intrinsic(value, true);
  if (call) {
    const [name, args] = call;
    const short = `!${name.replace(/^Fn::/, '')}`;
    if (name === 'Fn::GetAtt' && Array.isArray(args)) return `${short} ${args.join('.')}`;
    return `${short} ${typeof args === 'string' ? args : JSON.stringify(args)}`;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
