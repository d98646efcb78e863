// Serverless Framework configurations (`serverless.yml`, `.yaml`, `.json`): the
// SQS events of `functions` become the CloudFormation resources the framework
// generates for them (a function and an event source mapping per event), next
// to the configuration's own `resources.Resources`, so one reader and one set
// of rules serve every format. Variables are resolved where the file alone
// tells their value; the others become parameters without a default, so the
// rules that need them report "not checked" and `--parameter` can supply them.
import { isPlainObject } from './intrinsics.js';
import type { LoadedTemplate } from './load.js';

/** The framework's defaults: a function times out after 6 s; the stage is `dev`, the region `us-east-1`. */
const SERVERLESS_DEFAULTS = { timeout: 6, stage: 'dev', region: 'us-east-1' } as const;
/** How deep one variable may resolve into others before it is left unresolved. */
const MAX_VARIABLE_DEPTH = 10;
const VARIABLE = /\$\{([^{}]+)\}/g;

/** Where an event source made from `functions.<name>.events[<index>]` came from. */
interface ServerlessEventOrigin {
  readonly functionName: string;
  readonly index: number;
}

/** The id an SQS event gets: the path a user finds it at. */
export const serverlessEventId = (functionName: string, index: number): string =>
  `functions.${functionName}.events[${index}].sqs`;

/**
 * The configuration as the CloudFormation template the framework would make
 * of it, for what the rules read. Lines point back into the configuration.
 */
export function serverlessAsTemplate(config: LoadedTemplate): LoadedTemplate {
  const variables = new Variables(config.body);
  const body = variables.resolve(config.body) as Record<string, unknown>;
  const provider = objectOr(body.provider);
  const resources: Record<string, unknown> = { ...objectOr(objectOr(body.resources).Resources) };
  const origins = new Map<string, ServerlessEventOrigin>();
  const functionIds = new Map<string, string>();
  for (const [name, fn] of Object.entries(objectOr(body.functions))) {
    if (!isPlainObject(fn)) continue;
    const id = name in resources ? frameworkFunctionId(name) : name;
    functionIds.set(id, name);
    const resource = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Timeout: fn.timeout ?? provider.timeout ?? SERVERLESS_DEFAULTS.timeout,
        Runtime: fn.runtime ?? provider.runtime,
        ...(fn.reservedConcurrency === undefined ? {} : { ReservedConcurrentExecutions: fn.reservedConcurrency }),
      },
    };
    resources[id] = resource;
    // Also under the framework's own logical id, which mappings written in `resources` reference.
    const frameworkId = frameworkFunctionId(name);
    if (!(frameworkId in resources)) {
      resources[frameworkId] = resource;
      functionIds.set(frameworkId, name);
    }
    const events = Array.isArray(fn.events) ? fn.events : [];
    events.forEach((event: unknown, index: number) => {
      if (!isPlainObject(event) || !('sqs' in event)) return;
      // `sqs: <arn>` (a string, or an intrinsic such as Fn::GetAtt or a partly resolved Fn::Join) or `sqs: { arn, … }`.
      const sqs = isPlainObject(event.sqs) && !isIntrinsic(event.sqs) ? event.sqs : { arn: event.sqs };
      if (sqs.enabled === false) return;
      const eventId = serverlessEventId(name, index);
      origins.set(eventId, { functionName: name, index });
      const patterns = Array.isArray(sqs.filterPatterns) ? sqs.filterPatterns : [];
      resources[eventId] = {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: sqs.arn,
          FunctionName: { Ref: id },
          ...(sqs.batchSize === undefined ? {} : { BatchSize: sqs.batchSize }),
          ...(sqs.maximumBatchingWindow === undefined
            ? {}
            : { MaximumBatchingWindowInSeconds: sqs.maximumBatchingWindow }),
          ...(sqs.functionResponseType === undefined ? {} : { FunctionResponseTypes: [sqs.functionResponseType] }),
          ...(sqs.maximumConcurrency === undefined
            ? {}
            : { ScalingConfig: { MaximumConcurrency: sqs.maximumConcurrency } }),
          ...(patterns.length === 0 ? {} : { FilterCriteria: { Filters: patterns.map((p) => ({ Pattern: p })) } }),
        },
      };
    });
  }
  const ownResources = new Set(Object.keys(objectOr(objectOr(body.resources).Resources)));
  return {
    file: config.file,
    body: {
      ...(isPlainObject(objectOr(body.resources).Conditions)
        ? { Conditions: objectOr(body.resources).Conditions }
        : {}),
      Parameters: variables.unresolvedParameters(),
      Resources: resources,
    },
    lineOf(path) {
      const [section, id, ...rest] = path;
      if (section !== 'Resources' || id === undefined) return undefined;
      const origin = origins.get(id);
      if (origin) return config.lineOf(['functions', origin.functionName, 'events']);
      const fn = functionIds.get(id);
      if (fn !== undefined)
        return config.lineOf(['functions', fn, ...rest.slice(1)]) ?? config.lineOf(['functions', fn]);
      return ownResources.has(id) ? config.lineOf(['resources', 'Resources', id, ...rest]) : undefined;
    },
  };
}

/** `{ Ref: … }` or `{ 'Fn::…': … }`: a value, not an options object. */
function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] as string).startsWith('Fn::'));
}

/** The logical id the framework gives a function's resource: `my-fn` becomes `MyDashfnLambdaFunction`. */
function frameworkFunctionId(name: string): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

function objectOr(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

/**
 * The framework's `${…}` variables: `self:` (a path in this file), `sls:stage`,
 * `opt:stage`, `opt:region`, `env:` (the environment of this run), with
 * comma-separated fallbacks and quoted literals. Anything else (`ssm:`, `cf:`,
 * `aws:`, `file(…)`, an unset variable) stays unresolved.
 */
class Variables {
  private readonly unresolved = new Set<string>();

  constructor(private readonly config: Record<string, unknown>) {}

  resolve(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value, depth);
    if (Array.isArray(value)) return value.map((item) => this.resolve(item, depth));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.resolve(item, depth);
      return out;
    }
    return value;
  }

  /** Parameters standing for unresolved variables: no default, so rules needing them report not checked. */
  unresolvedParameters(): Record<string, unknown> {
    return Object.fromEntries(
      [...this.unresolved].map((name) => [name, { Type: 'String', Description: 'Serverless variable' }]),
    );
  }

  private text(text: string, depth: number): unknown {
    const whole = /^\$\{([^{}]+)\}$/.exec(text);
    if (whole) return this.variable(whole[1] as string, depth);
    if (!text.includes('${')) return text;
    const parts: unknown[] = [];
    let last = 0;
    for (const match of text.matchAll(VARIABLE)) {
      parts.push(text.slice(last, match.index));
      parts.push(this.variable(match[1] as string, depth));
      last = (match.index ?? 0) + match[0].length;
    }
    parts.push(text.slice(last));
    // A string with an unresolved variable in it: CloudFormation's Fn::Join keeps the unresolved part symbolic.
    return parts.every((part) => typeof part === 'string' || typeof part === 'number')
      ? parts.join('')
      : { 'Fn::Join': ['', parts] };
  }

  private variable(expression: string, depth: number): unknown {
    for (const candidate of splitFallbacks(expression)) {
      const value = this.source(candidate.trim(), depth);
      if (value !== undefined) return value;
    }
    const name = expression.trim();
    this.unresolved.add(name);
    return { Ref: name };
  }

  private source(candidate: string, depth: number): unknown {
    const literal = /^(['"])(.*)\1$/.exec(candidate);
    if (literal) return literal[2];
    if (/^-?\d+(\.\d+)?$/.test(candidate)) return Number(candidate);
    if (depth >= MAX_VARIABLE_DEPTH) return undefined;
    if (candidate === 'sls:stage' || candidate === 'opt:stage') {
      return this.resolve(objectOr(this.config.provider).stage ?? SERVERLESS_DEFAULTS.stage, depth + 1);
    }
    if (candidate === 'opt:region' || candidate === 'aws:region') {
      return this.resolve(objectOr(this.config.provider).region ?? SERVERLESS_DEFAULTS.region, depth + 1);
    }
    if (candidate === 'aws:accountId') return { Ref: 'AWS::AccountId' };
    if (candidate.startsWith('env:')) return process.env[candidate.slice(4)];
    if (candidate.startsWith('self:')) {
      let node: unknown = this.config;
      for (const key of candidate.slice(5).split('.')) {
        if (key === '') continue;
        if (!isPlainObject(node) || !(key in node)) return undefined;
        node = node[key];
      }
      return node === undefined ? undefined : this.resolve(node, depth + 1);
    }
    return undefined;
  }
}

/** `a, b, 'c'` into its candidates, commas inside quotes kept. */
function splitFallbacks(expression: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const char of expression) {
    if (quote) {
      if (char === quote) quote = undefined;
      current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      current += char;
    } else if (char === ',') {
      out.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  out.push(current);
  return out;
}
