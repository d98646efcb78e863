/**
 * What the check knows about one SQS event source, whether it came from a
 * template or from a deployed account. Every value is either known or carries
 * the reason it is not, so a rule never guesses.
 */

/** A value the check resolved, or the reason it could not. */
export type Known<T> =
  | { readonly known: true; readonly value: T; readonly defaulted?: boolean }
  | { readonly known: false; readonly reason: string };

export function known<T>(value: T, defaulted = false): Known<T> {
  return defaulted ? { known: true, value, defaulted } : { known: true, value };
}

export function unknown<T>(reason: string): Known<T> {
  return { known: false, reason };
}

/** Where a resource or a setting was declared. */
export interface Location {
  readonly file: string;
  readonly line?: number;
}

export interface QueueModel {
  /** Logical id in a template, the resource address in Terraform, or the queue name when deployed. */
  readonly name: string;
  /** The construct id a CDK fix names (from `aws:cdk:path`), when it differs from `name`. */
  readonly construct?: string;
  readonly location?: Location;
  readonly fifo: Known<boolean>;
  /** Seconds. */
  readonly visibilityTimeout: Known<number>;
  /** Seconds. */
  readonly retentionPeriod: Known<number>;
  /** `undefined` when the queue has no redrive policy. */
  readonly redrive: Known<RedriveModel | undefined>;
}

export interface RedriveModel {
  readonly maxReceiveCount: Known<number>;
  readonly deadLetterQueue: Known<QueueModel>;
  readonly location?: Location;
}

export interface FunctionModel {
  /** Logical id in a template, the function's key in `serverless.yml`, its address in Terraform, or its name when deployed. */
  readonly name: string;
  /** The construct id a CDK fix names (from `aws:cdk:path`), when it differs from `name`. */
  readonly construct?: string;
  readonly location?: Location;
  /** Seconds. */
  readonly timeout: Known<number>;
  /** `undefined` when the function has no reserved concurrency. */
  readonly reservedConcurrency: Known<number | undefined>;
  /** `nodejs22.x`, …; `undefined` for a container image function, which has none. */
  readonly runtime: Known<string | undefined>;
}

/** How fixes are written for this source: the template's own syntax, or an AWS CLI command. */
export type Dialect = 'sam' | 'cloudformation' | 'cdk' | 'serverless' | 'terraform' | 'live';

export interface EventSourceModel {
  /** `Function › Events › Name` for SAM, the logical id of a mapping, or a deployed mapping's UUID. */
  readonly id: string;
  /** A readable name when `id` is not one (a deployed mapping's UUID): `function ← queue`. */
  readonly label?: string;
  readonly dialect: Dialect;
  readonly location?: Location;
  readonly queue: Known<QueueModel>;
  readonly function: Known<FunctionModel>;
  readonly batchSize: Known<number>;
  /** Seconds. */
  readonly batchingWindow: Known<number>;
  readonly functionResponseTypes: Known<readonly string[]>;
  /** `undefined` when the mapping has no `ScalingConfig.MaximumConcurrency`. */
  readonly maximumConcurrency: Known<number | undefined>;
  /** Whether the mapping has `FilterCriteria` with at least one filter. */
  readonly filtered: Known<boolean>;
  /** Whether the mapping is in provisioned mode (`ProvisionedPollerConfig`). */
  readonly provisioned: Known<boolean>;
  /** Whether the mapping has `MetricsConfig` with at least one metric. */
  readonly metrics: Known<boolean>;
  /** What names the queue when it is its URL (`!Ref Queue`), not its ARN: CloudFormation rejects that. */
  readonly queueUrl?: string;
  /** The mapping's logical id in the template the Serverless Framework generates. */
  readonly generatedId?: string;
  /** A SAM function in a template without `Transform: AWS::Serverless-2016-10-31`. */
  readonly transformMissing?: boolean;
}

/** Properties only non-SQS event source mappings have: streams, Kafka, MQ, DocumentDB. */
export const NON_SQS_PROPERTIES = [
  'StartingPosition',
  'Topics',
  'Queues',
  'SelfManagedEventSource',
  'SourceAccessConfigurations',
];

/** Defaults AWS applies when a setting is absent. */
export const AWS_DEFAULTS = {
  functionTimeout: 3,
  visibilityTimeout: 30,
  retentionPeriod: 345_600,
  batchSize: 10,
  batchingWindow: 0,
} as const;

/** What a file is written in: a CloudFormation template (SAM and CDK included), the Serverless Framework, Terraform. */
export type Format = 'cloudformation' | 'serverless' | 'terraform';

/**
 * An input read from disk. `body` is a CloudFormation template (intrinsics in long form) for CloudFormation
 * and Terraform input, which is translated as it is read, and the `serverless.yml` document for the
 * Serverless Framework, whose variables depend on `--parameter` and are resolved when it is checked.
 */
export interface LoadedTemplate {
  readonly file: string;
  readonly format: Format;
  readonly body: Readonly<Record<string, unknown>>;
  /** The 1-based line of a key, by its path from the root of `body`, e.g. `['Resources', 'Queue', 'Properties']`. */
  lineOf(path: readonly string[]): number | undefined;
  /** The file a key was written in, when the input is several files (a Terraform module). */
  fileOf?(path: readonly string[]): string | undefined;
}
