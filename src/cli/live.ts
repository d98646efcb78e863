import type {
  EventSourceMappingConfiguration,
  LambdaClient,
  ListEventSourceMappingsCommandOutput,
} from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { settleWithin } from '../util.js';
import { LiveError } from './errors.js';
import {
  AWS_DEFAULTS,
  type EventSourceModel,
  type FunctionModel,
  type Known,
  known,
  type QueueModel,
  unknown,
} from './model.js';

type LambdaSdk = typeof import('@aws-sdk/client-lambda');
type SqsSdk = typeof import('@aws-sdk/client-sqs');

/** Loads a module by name; `import()` unless a test says otherwise. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

export interface LiveOptions {
  /** Defaults to the SDK's chain: `AWS_REGION`, then the profile's region. */
  readonly region?: string | undefined;
  /** Defaults to the SDK's chain: `AWS_PROFILE`, then `default`. */
  readonly profile?: string | undefined;
  /** Only the mappings of these functions (names or ARNs); all when empty. */
  readonly functions: readonly string[];
  /**
   * The longest the whole check may wait for AWS, in seconds: an endpoint or proxy that accepts
   * connections and never answers must not hold a CI job.
   * @default 15
   */
  readonly timeout?: number | undefined;
}

/** The default of {@link LiveOptions.timeout}, in seconds. */
export const LIVE_TIMEOUT_SECONDS = 15;

export interface LiveSources {
  readonly region: string;
  readonly sources: readonly EventSourceModel[];
}

const INSTALL = 'npm install --save-dev @aws-sdk/client-lambda @aws-sdk/client-sqs';

/**
 * Reads every SQS event source mapping deployed in a region (made by SAM,
 * CloudFormation, CDK, Terraform, the console or anything else), with its
 * function's timeout and reserved concurrency and its queue's attributes.
 *
 * @throws {LiveError} when an SDK package is missing, the mappings cannot be listed, or AWS has not
 * answered within {@link LiveOptions.timeout}.
 */
export async function eventSourcesLive(
  options: LiveOptions,
  load: ModuleLoader = (specifier) => import(specifier),
): Promise<LiveSources> {
  const lambdaSdk = (await loadSdk('@aws-sdk/client-lambda', load)) as LambdaSdk;
  const sqsSdk = (await loadSdk('@aws-sdk/client-sqs', load)) as SqsSdk;
  const seconds = options.timeout ?? LIVE_TIMEOUT_SECONDS;
  const ms = seconds * 1000;
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const lambda = new lambdaSdk.LambdaClient(config);
  const sqs = new sqsSdk.SQSClient(config);
  const stop = new AbortController();
  const calls: Calls = { lambda, sqs, signal: stop.signal };
  const work = async (): Promise<LiveSources> => {
    const mappings = await listMappings(calls, lambdaSdk, options.functions);
    const reader = new LiveReader(calls, lambdaSdk, sqsSdk);
    const sources: EventSourceModel[] = [];
    // One mapping at a time: a large account should not meet API throttling.
    for (const mapping of mappings) sources.push(await reader.source(mapping));
    return { region: await lambda.config.region(), sources };
  };
  try {
    return await settleWithin(work(), ms, () => {
      stop.abort();
      return new LiveError(`AWS did not answer within ${seconds} s; gave up (--timeout sets the limit)`);
    });
  } finally {
    stop.abort();
    lambda.destroy();
    sqs.destroy();
  }
}

/** The clients, and the signal that ends every call in flight once the time is up. */
interface Calls {
  readonly lambda: LambdaClient;
  readonly sqs: SQSClient;
  readonly signal: AbortSignal;
}

async function loadSdk(name: string, load: ModuleLoader): Promise<unknown> {
  try {
    return await load(name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new LiveError(`--live needs ${name}, which is not installed: ${INSTALL}`, { cause: error });
    }
    throw new LiveError(`--live could not load ${name}: ${(error as Error).message}`, { cause: error });
  }
}

async function listMappings(
  { lambda, signal }: Calls,
  sdk: LambdaSdk,
  functions: readonly string[],
): Promise<EventSourceMappingConfiguration[]> {
  const found: EventSourceMappingConfiguration[] = [];
  for (const functionName of functions.length > 0 ? functions : [undefined]) {
    let marker: string | undefined;
    do {
      let page: ListEventSourceMappingsCommandOutput;
      try {
        page = await lambda.send(
          new sdk.ListEventSourceMappingsCommand({
            ...(functionName ? { FunctionName: functionName } : {}),
            ...(marker ? { Marker: marker } : {}),
          }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw new LiveError(`cannot list event source mappings: ${failure(error)}`, { cause: error });
      }
      for (const mapping of page.EventSourceMappings ?? []) {
        if (mapping.EventSourceArn?.split(':')[2] === 'sqs') found.push(mapping);
      }
      marker = page.NextMarker;
    } while (marker);
  }
  return found;
}

/** Reads functions and queues once each, however many mappings share them. */
class LiveReader {
  private readonly functions = new Map<string, Promise<Known<FunctionModel>>>();
  private readonly queues = new Map<string, Promise<Known<QueueModel>>>();

  constructor(
    private readonly calls: Calls,
    private readonly lambdaSdk: LambdaSdk,
    private readonly sqsSdk: SqsSdk,
  ) {}

  async source(mapping: EventSourceMappingConfiguration): Promise<EventSourceModel> {
    const queueArn = mapping.EventSourceArn as string;
    const functionArn = mapping.FunctionArn ?? '';
    const id = mapping.UUID ?? queueArn;
    return {
      id,
      label: `${functionArn.split(':')[6] ?? functionArn} ← ${queueArn.split(':')[5]}`,
      dialect: 'live',
      queue: await this.queue(queueArn, true),
      function: functionArn ? await this.function(functionArn) : unknown('the mapping names no function'),
      batchSize: known(mapping.BatchSize ?? AWS_DEFAULTS.batchSize, mapping.BatchSize === undefined),
      batchingWindow: known(mapping.MaximumBatchingWindowInSeconds ?? AWS_DEFAULTS.batchingWindow),
      functionResponseTypes: known(mapping.FunctionResponseTypes ?? []),
      maximumConcurrency: known(mapping.ScalingConfig?.MaximumConcurrency),
      filtered: known((mapping.FilterCriteria?.Filters?.length ?? 0) > 0),
      provisioned: known(mapping.ProvisionedPollerConfig !== undefined),
      metrics: known((mapping.MetricsConfig?.Metrics?.length ?? 0) > 0),
    };
  }

  private function(arn: string): Promise<Known<FunctionModel>> {
    // The unqualified ARN: reserved concurrency belongs to the function, not to an alias or version.
    const unqualified = arn.split(':').slice(0, 7).join(':');
    let model = this.functions.get(arn);
    if (!model) {
      model = this.readFunction(arn, unqualified);
      this.functions.set(arn, model);
    }
    return model;
  }

  private async readFunction(arn: string, unqualified: string): Promise<Known<FunctionModel>> {
    const name = unqualified.split(':')[6] ?? arn;
    let timeout: Known<number>;
    let runtime: Known<string | undefined>;
    try {
      const config = await this.calls.lambda.send(
        new this.lambdaSdk.GetFunctionConfigurationCommand({ FunctionName: arn }),
        { abortSignal: this.calls.signal },
      );
      timeout = known(config.Timeout ?? AWS_DEFAULTS.functionTimeout, config.Timeout === undefined);
      runtime = known(config.Runtime);
    } catch (error) {
      timeout = unknown(`lambda:GetFunctionConfiguration on ${name} failed: ${failure(error)}`);
      runtime = timeout as Known<never>;
    }
    let reservedConcurrency: Known<number | undefined>;
    try {
      const concurrency = await this.calls.lambda.send(
        new this.lambdaSdk.GetFunctionConcurrencyCommand({ FunctionName: unqualified }),
        { abortSignal: this.calls.signal },
      );
      reservedConcurrency = known(concurrency.ReservedConcurrentExecutions);
    } catch (error) {
      reservedConcurrency = unknown(`lambda:GetFunctionConcurrency on ${name} failed: ${failure(error)}`);
    }
    return known({ name, timeout, reservedConcurrency, runtime });
  }

  /** A queue by ARN; a dead-letter queue's own redrive policy is not read (no rule needs it, and it may loop). */
  private queue(arn: string, withRedrive: boolean): Promise<Known<QueueModel>> {
    const key = `${withRedrive} ${arn}`;
    let model = this.queues.get(key);
    if (!model) {
      model = this.readQueue(arn, withRedrive);
      this.queues.set(key, model);
    }
    return model;
  }

  private async readQueue(arn: string, withRedrive: boolean): Promise<Known<QueueModel>> {
    const [, , , , account, name] = arn.split(':');
    if (!name || !account) return unknown(`${arn} is not a queue ARN`);
    let attributes: Record<string, string>;
    try {
      const { QueueUrl } = await this.calls.sqs.send(
        new this.sqsSdk.GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
        { abortSignal: this.calls.signal },
      );
      const result = await this.calls.sqs.send(
        new this.sqsSdk.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
        { abortSignal: this.calls.signal },
      );
      attributes = result.Attributes ?? {};
    } catch (error) {
      return unknown(`reading queue ${name} failed: ${failure(error)}`);
    }
    return known({
      name,
      fifo: known(attributes.FifoQueue === 'true' || name.endsWith('.fifo')),
      visibilityTimeout: numberAttribute(attributes, 'VisibilityTimeout', name),
      retentionPeriod: numberAttribute(attributes, 'MessageRetentionPeriod', name),
      redrive: withRedrive
        ? await this.redrive(attributes.RedrivePolicy, name)
        : unknown('not read for a dead-letter queue'),
    });
  }

  private async redrive(policy: string | undefined, queue: string): Promise<QueueModel['redrive']> {
    if (!policy) return known(undefined);
    let parsed: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    try {
      parsed = JSON.parse(policy);
    } catch {
      return unknown(`the RedrivePolicy of ${queue} is not JSON`);
    }
    const count = Number(parsed.maxReceiveCount);
    return known({
      maxReceiveCount: Number.isFinite(count)
        ? known(count)
        : unknown(`the RedrivePolicy of ${queue} has no maxReceiveCount`),
      deadLetterQueue:
        typeof parsed.deadLetterTargetArn === 'string'
          ? await this.queue(parsed.deadLetterTargetArn, false)
          : unknown(`the RedrivePolicy of ${queue} has no deadLetterTargetArn`),
    });
  }
}

function numberAttribute(attributes: Record<string, string>, name: string, queue: string): Known<number> {
  const value = Number(attributes[name]);
  return attributes[name] !== undefined && Number.isFinite(value)
    ? known(value)
    : unknown(`queue ${queue} did not return ${name}`);
}

/** `AccessDeniedException: …`: what the SDK said, never more. */
function failure(error: unknown): string {
  const { name, message } = error as Error;
  return message && name && !message.startsWith(name) ? `${name}: ${message}` : String(message || name || error);
}
