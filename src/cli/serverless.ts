/**
 * The Serverless Framework's `serverless.yml` as a CloudFormation template: each function, its `sqs`
 * events as event source mappings, and `resources.Resources` as written, after the framework's
 * variables (`${self:…}`, `${sls:stage}`, `${opt:…}`, `${env:…}`) are resolved where they can be.
 */
import { isPlainObject, Unresolvable } from './intrinsics.js';
import type { LoadedTemplate } from './model.js';
import type { CloudFormationView } from './template.js';
import { objectOrEmpty } from './values.js';

/** The framework's defaults where `serverless.yml` says nothing. */
const SERVERLESS_DEFAULTS = { timeout: 6, stage: 'dev', region: 'us-east-1' } as const;
/** How many `${self:…}` lookups may chain: a variable that refers to itself must end. */
const MAX_LOOKUPS = 20;
/** Lookups and values visited in one file: far above what a real configuration needs, far below a hang. */
const MAX_TOTAL_LOOKUPS = 10_000;
const MAX_VISITS = 1_000_000;
const VARIABLE = /\$\{([^${}]+)\}/;

/**
 * Translates a `serverless.yml`. `options` answers `${opt:name}` (`--parameter stage=prod`), `env` answers `${env:NAME}`.
 */
export function serverlessToCloudFormation(
  template: LoadedTemplate,
  options: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CloudFormationView {
  const doc = new Variables(template.body, options, env).resolve(template.body, 0) as Record<string, unknown>;
  const provider = objectOrEmpty(doc.provider);
  const resources: Record<string, unknown> = { ...objectOrEmpty(objectOrEmpty(doc.resources).Resources) };
  const extensions = objectOrEmpty(objectOrEmpty(doc.resources).extensions);
  const names = new Map<string, string>();
  const paths = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(objectOrEmpty(doc.functions))) {
    const fn = objectOrEmpty(value);
    const logicalId = `${normalize(key)}LambdaFunction`;
    names.set(logicalId, key);
    paths.set(logicalId, ['functions', key]);
    const runtime = fn.runtime ?? provider.runtime;
    resources[logicalId] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Timeout: fn.timeout ?? provider.timeout ?? SERVERLESS_DEFAULTS.timeout,
        Runtime: runtime ?? new Unresolvable(`${key} sets no runtime: the framework's default applies`),
        ReservedConcurrentExecutions: fn.reservedConcurrency,
      },
    };
    const events = Array.isArray(fn.events) ? fn.events : [];
    events.forEach((event, index) => {
      const sqs = objectOrEmpty(event).sqs;
      if (sqs === undefined) return;
      const id = `${key}.events[${index}]`;
      const props = typeof sqs === 'string' || !isPlainObject(sqs) ? { arn: sqs } : sqs;
      const queue = queueName(props.arn);
      const generated = queue ? `${normalize(key)}EventSourceMappingSQS${normalize(queue)}` : undefined;
      if (generated) names.set(id, generated);
      // `resources.extensions` adds properties the sqs event has no setting for (MetricsConfig) to the generated mapping.
      const extension = objectOrEmpty(objectOrEmpty(extensions[generated ?? '']).Properties);
      resources[id] = {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { ...mappingProperties(props, logicalId), ...extension },
      };
      paths.set(id, ['functions', key, 'events', String(index), 'sqs']);
    });
  }
  return {
    file: template.file,
    dialect: 'serverless',
    names,
    body: { Resources: resources, Outputs: objectOrEmpty(objectOrEmpty(doc.resources).Outputs) },
    lineOf: ([section, id, ...rest]) => {
      if (section !== 'Resources' || id === undefined) return undefined;
      const path = paths.get(id);
      return template.lineOf(path ?? ['resources', 'Resources', id, ...rest]);
    },
  };
}

/** An `sqs` event's settings as `AWS::Lambda::EventSourceMapping` properties. */
function mappingProperties(sqs: Record<string, unknown>, functionId: string): Record<string, unknown> {
  const poller = objectOrEmpty(sqs.provisionedPollers);
  return {
    EventSourceArn: sqs.arn,
    FunctionName: { Ref: functionId },
    BatchSize: sqs.batchSize,
    MaximumBatchingWindowInSeconds: sqs.maximumBatchingWindow,
    FunctionResponseTypes: sqs.functionResponseType === undefined ? undefined : [sqs.functionResponseType],
    ScalingConfig: sqs.maximumConcurrency === undefined ? undefined : { MaximumConcurrency: sqs.maximumConcurrency },
    FilterCriteria: Array.isArray(sqs.filterPatterns)
      ? { Filters: sqs.filterPatterns.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) }
      : undefined,
    ProvisionedPollerConfig:
      sqs.provisionedPollers === undefined ? undefined : { MinimumPollers: poller.min, MaximumPollers: poller.max },
  };
}

/** The queue part of the framework's generated logical id: a `GetAtt`'s resource, or an ARN's last segment. */
function queueName(arn: unknown): string | undefined {
  if (typeof arn === 'string') return arn.split(':').at(-1);
  const getAtt = objectOrEmpty(arn)['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** The framework's logical-id spelling: first letter capitalised, `-` and `_` spelled out. */
function normalize(name: string): string {
  const spelled = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return spelled.charAt(0).toUpperCase() + spelled.slice(1);
}

/** Resolves `${…}` variables: a whole-value variable keeps its type; text around one makes a string. */
class Variables {
  /** Values visited and `self:` lookups made so far, across the whole file: bounded, as a hostile file could make them grow exponentially (`${self:}` inside the document it names). */
  private visits = 0;
  private lookups = 0;

  constructor(
    private readonly doc: Readonly<Record<string, unknown>>,
    private readonly options: ReadonlyMap<string, string>,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  resolve(node: unknown, depth: number): unknown {
    if (++this.visits > MAX_VISITS) return new Unresolvable('the variables of this file take too long to resolve');
    if (typeof node === 'string') return this.text(node, depth);
    if (Array.isArray(node)) return node.map((item) => this.resolve(item, depth));
    if (isPlainObject(node)) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, this.resolve(value, depth)]));
    }
    return node;
  }

  /** A string with variables: innermost first, so `${self:custom.${sls:stage}.queue}` works. */
  private text(value: string, depth: number): unknown {
    let text = value;
    const deployTime: unknown[] = [];
    for (let match = VARIABLE.exec(text); match; match = VARIABLE.exec(text)) {
      const resolved = this.variable(match[1] as string, depth);
      if (match[0] === text) return resolved;
      if (typeof resolved === 'string' || typeof resolved === 'number' || typeof resolved === 'boolean') {
        text = text.replace(match[0], String(resolved));
      } else {
        // Known only at deployment (an account id, an SSM parameter): kept as a placeholder in the text.
        text = text.replace(match[0], `@@sls-value-${deployTime.length}@@`);
        deployTime.push(resolved);
      }
    }
    if (deployTime.length === 0) return text;
    const parts = text.split(/@@sls-value-(\d+)@@/).map((part, i) => (i % 2 === 1 ? deployTime[Number(part)] : part));
    return { 'Fn::Join': ['', parts.filter((part) => part !== '')] };
  }

  /** One variable, with its fallbacks: `opt:stage, 'dev'`. */
  private variable(expression: string, depth: number): unknown {
    const [reference, ...fallbacks] = splitTopLevel(expression);
    let unresolved: Unresolvable | undefined;
    for (const candidate of [reference, ...fallbacks]) {
      const value = this.source((candidate ?? '').trim(), depth);
      if (!(value instanceof Unresolvable) && value !== undefined) return value;
      unresolved ??= value instanceof Unresolvable ? value : undefined;
    }
    return unresolved ?? new Unresolvable(`\${${expression}} has no value and no fallback`);
  }

  private source(reference: string, depth: number): unknown {
    const literal = /^(['"])(.*)\1$/.exec(reference);
    if (literal) return literal[2];
    if (/^-?\d+(\.\d+)?$/.test(reference)) return Number(reference);
    const colon = reference.indexOf(':');
    const kind = colon < 0 ? reference : reference.slice(0, colon);
    const address = reference.slice(colon + 1);
    switch (kind) {
      case 'self':
        return this.self(address, depth);
      case 'sls':
        return address === 'stage' ? this.stage(depth) : deployed(reference);
      case 'opt':
        return this.options.get(address);
      case 'env':
        return this.env[address];
      case 'aws':
        if (address === 'accountId') return { Ref: 'AWS::AccountId' };
        if (address === 'region')
          return this.options.get('region') ?? this.self('provider.region', depth) ?? SERVERLESS_DEFAULTS.region;
        return deployed(reference);
      default:
        return deployed(reference);
    }
  }

  private stage(depth: number): unknown {
    return this.options.get('stage') ?? this.self('provider.stage', depth) ?? SERVERLESS_DEFAULTS.stage;
  }

  private self(address: string, depth: number): unknown {
    if (depth >= MAX_LOOKUPS) return new Unresolvable(`\${self:${address}} refers to itself`);
    if (++this.lookups > MAX_TOTAL_LOOKUPS)
      return new Unresolvable(`\${self:${address}}: too many variable lookups in this file`);
    let node: unknown = this.doc;
    for (const key of address.split('.').filter((k) => k !== '')) {
      node = isPlainObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
      if (node === undefined) return undefined;
    }
    return this.resolve(node, depth + 1);
  }
}

function deployed(reference: string): Unresolvable {
  return new Unresolvable(`\${${reference}} is resolved only when the framework deploys`);
}

/** `a, 'b, c', d` → `['a', "'b, c'", 'd']`. */
function splitTopLevel(expression: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      parts.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expression.slice(start));
  return parts;
}
