/**
 * Terraform (`.tf` files, or a directory of them) as a CloudFormation template: `aws_sqs_queue`,
 * `aws_sqs_queue_redrive_policy`, `aws_lambda_function` and `aws_lambda_event_source_mapping` become the
 * resources the reader knows, keyed by their Terraform address, and variables become parameters with
 * their defaults (`--parameter name=value` sets one). HashiCorp's HCL parser, compiled to WebAssembly
 * (`@cdktn/hcl2json`, an optional dependency), reads the files; it is loaded only for Terraform input.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TemplateError } from './errors.js';
import { type HclParser, HclValues } from './hcl.js';
import { readInput } from './input.js';
import type { LoadedTemplate } from './model.js';
import { objectOrEmpty } from './values.js';

export const TERRAFORM_FILE = /\.tf$/;
const PARSER = '@cdktn/hcl2json';

/** Loads a module by name; `import()` unless a test says otherwise. */
export type ParserLoader = (specifier: string) => Promise<unknown>;

type Block = Record<string, unknown>;

/**
 * Reads Terraform files: one `.tf` file, or every `.tf` file of a directory (as Terraform reads a module).
 *
 * @throws {TemplateError} when a file cannot be read or parsed, or the HCL parser is not installed.
 */
export async function loadTerraform(
  path: string,
  load: ParserLoader = (specifier) => import(specifier),
): Promise<LoadedTemplate> {
  const files = TERRAFORM_FILE.test(path) ? [path] : await moduleFiles(path);
  const parser = await loadParser(path, load);
  const texts = await Promise.all(files.map(async (file) => ({ file, text: (await readInput(file)).text })));
  const parsed: { file: string; body: Block }[] = [];
  for (const { file, text } of texts) {
    try {
      parsed.push({ file, body: await parser.parse(file, text) });
    } catch (error) {
      throw new TemplateError(file, `invalid Terraform: ${hclMessage(error)}`, hclPosition(error), { cause: error });
    }
  }
  const lines = resourceLines(texts);
  const resources = merge(parsed.map((p) => objectOrEmpty(p.body.resource)));
  const addresses = new Set(
    Object.entries(resources).flatMap(([type, named]) => Object.keys(objectOrEmpty(named)).map((n) => `${type}.${n}`)),
  );
  const locals = Object.assign({}, ...parsed.flatMap((p) => (Array.isArray(p.body.locals) ? p.body.locals : [])));
  const values = new HclValues(parser, path, addresses, locals);
  const blocks: TerraformResource[] = [];
  for (const [type, named] of Object.entries(resources)) {
    for (const [name, declared] of Object.entries(objectOrEmpty(named))) {
      blocks.push({ address: `${type}.${name}`, type, attributes: objectOrEmpty(await values.value(first(declared))) });
    }
  }
  const body = {
    Parameters: await parameters(
      parsed.map((p) => objectOrEmpty(p.body.variable)),
      values,
    ),
    Resources: translate(blocks),
  };
  return {
    file: path,
    format: 'terraform',
    body,
    lineOf: ([section, address]) => (section === 'Resources' && address ? lines.get(address)?.line : undefined),
    fileOf: ([section, address]) => (section === 'Resources' && address ? lines.get(address)?.file : undefined),
  };
}

async function moduleFiles(directory: string): Promise<string[]> {
  const names = (await readdir(directory)).filter((name) => TERRAFORM_FILE.test(name)).sort();
  if (names.length === 0) {
    throw new TemplateError(directory, 'is a directory without .tf files (give a template file or a Terraform module)');
  }
  return names.map((name) => join(directory, name));
}

async function loadParser(path: string, load: ParserLoader): Promise<HclParser> {
  try {
    const module = (await load(PARSER)) as HclParser & { default?: HclParser };
    return typeof module.parse === 'function' ? module : (module.default as HclParser);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    throw new TemplateError(
      path,
      missing
        ? `reading Terraform needs ${PARSER}, which is not installed: npm install --save-dev ${PARSER}`
        : `could not load ${PARSER}: ${(error as Error).message}`,
      undefined,
      { cause: error },
    );
  }
}

/** `resource "type" "name"` blocks of several files, by type, then name. */
function merge(blocks: readonly Block[]): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const block of blocks) {
    for (const [type, named] of Object.entries(block)) merged[type] = { ...merged[type], ...objectOrEmpty(named) };
  }
  return merged;
}

async function parameters(blocks: readonly Block[], values: HclValues): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const block of blocks) {
    for (const [name, declarations] of Object.entries(block)) {
      const declaration = objectOrEmpty(Array.isArray(declarations) ? declarations[0] : declarations);
      out[name] = 'default' in declaration ? { Default: await values.value(declaration.default) } : {};
    }
  }
  return out;
}

/** The first (only) instance of a block: `hcl2json` writes every block as a list. */
const first = (value: unknown): Block => objectOrEmpty(Array.isArray(value) ? value[0] : value);
/** `null` and absent alike: no value. */
const present = (value: unknown): unknown => (value === null ? undefined : value);
/** Whether a nested block is written: a plan writes an absent one as `[]`. */
const written = (value: unknown): boolean =>
  value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

/** One resource block: its address (`aws_sqs_queue.orders`, `module.queues.aws_sqs_queue.this`), type and attributes. */
export interface TerraformResource {
  readonly address: string;
  readonly type: string;
  readonly attributes: Block;
}

/** Terraform resources as the CloudFormation resources the reader knows, by address. */
export function translate(resources: readonly TerraformResource[]): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  const byAddress = (target: unknown) => (typeof target === 'string' ? out[target] : undefined);
  for (const { address, type, attributes: a } of resources) {
    const make = TRANSLATIONS[type];
    if (make) out[address] = make(a);
  }
  // A redrive policy set apart from its queue belongs to the queue its queue_url names.
  for (const { type, attributes: a } of resources) {
    if (type !== 'aws_sqs_queue_redrive_policy') continue;
    const queue = byAddress(objectOrEmpty(a.queue_url).Ref);
    if (queue) queue.Properties = { ...objectOrEmpty(queue.Properties), RedrivePolicy: a.redrive_policy };
  }
  return out;
}

const TRANSLATIONS: Record<string, (a: Block) => Record<string, unknown>> = {
  aws_sqs_queue: (a) => ({
    Type: 'AWS::SQS::Queue',
    Properties: {
      QueueName: present(a.name),
      FifoQueue: present(a.fifo_queue),
      VisibilityTimeout: present(a.visibility_timeout_seconds),
      MessageRetentionPeriod: present(a.message_retention_seconds),
      RedrivePolicy: present(a.redrive_policy),
    },
  }),
  aws_lambda_function: (a) => ({
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: present(a.function_name),
      Timeout: present(a.timeout),
      // -1, Terraform's default, means no reservation.
      ReservedConcurrentExecutions:
        a.reserved_concurrent_executions === -1 ? undefined : present(a.reserved_concurrent_executions),
      Runtime: present(a.runtime),
    },
  }),
  aws_lambda_alias: (a) => ({ Type: 'AWS::Lambda::Alias', Properties: { FunctionName: a.function_name } }),
  aws_lambda_event_source_mapping: (a) => ({ Type: 'AWS::Lambda::EventSourceMapping', Properties: mapping(a) }),
};

function mapping(a: Block): Record<string, unknown> {
  const scaling = first(a.scaling_config);
  const filters = first(a.filter_criteria).filter;
  const poller = first(a.provisioned_poller_config);
  const properties: Record<string, unknown> = {
    EventSourceArn: present(a.event_source_arn),
    FunctionName: present(a.function_name),
    BatchSize: present(a.batch_size),
    MaximumBatchingWindowInSeconds: present(a.maximum_batching_window_in_seconds),
    FunctionResponseTypes: present(a.function_response_types),
    ScalingConfig: written(a.scaling_config) ? { MaximumConcurrency: present(scaling.maximum_concurrency) } : undefined,
    FilterCriteria: Array.isArray(filters)
      ? { Filters: filters.map((filter) => ({ Pattern: objectOrEmpty(filter).pattern })) }
      : undefined,
    ProvisionedPollerConfig: written(a.provisioned_poller_config)
      ? { MinimumPollers: poller.minimum_pollers, MaximumPollers: poller.maximum_pollers }
      : undefined,
    MetricsConfig: written(a.metrics_config) ? { Metrics: first(a.metrics_config).metrics } : undefined,
    // Properties only other event sources take: the reader leaves such mappings out.
    StartingPosition: present(a.starting_position),
    Topics: present(a.topics),
    Queues: present(a.queues),
    SelfManagedEventSource: present(a.self_managed_event_source),
  };
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined));
}

/** Where each `resource "type" "name"` block starts. */
function resourceLines(texts: readonly { file: string; text: string }[]): Map<string, { file: string; line: number }> {
  const lines = new Map<string, { file: string; line: number }>();
  for (const { file, text } of texts) {
    for (const match of text.matchAll(/^[ \t]*resource[ \t]+"([^"]+)"[ \t]+"([^"]+)"/gm)) {
      lines.set(`${match[1]}.${match[2]}`, { file, line: text.slice(0, match.index).split('\n').length });
    }
  }
  return lines;
}

/** The parser's first diagnostic, without its file name and range (the report gives them). */
function hclMessage(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  const diagnostic = /\[[^:\]]+:\d+,\d+-\d+: ([^\]]*)\]/.exec(message)?.[1] ?? message;
  return diagnostic.split(';')[0]?.trim() ?? diagnostic;
}

function hclPosition(error: unknown): { line: number; column: number } | undefined {
  const match = /:(\d+),(\d+)-\d+:/.exec((error as Error).message ?? '');
  return match ? { line: Number(match[1]), column: Number(match[2]) } : undefined;
}
