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
  /** In a CDK template: the construct id (`OrdersQueue`) of this hashed logical id, which fixes name. */
  readonly constructId?: string;
  /** Logical id in a template, or the queue name when deployed. */
  readonly name: string;
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
  /** In a CDK template: the construct id of this hashed logical id, which fixes name. */
  readonly constructId?: string;
  /** Logical id in a template, or the function name when deployed. */
  readonly name: string;
  readonly location?: Location;
  /** Seconds. */
  readonly timeout: Known<number>;
  /** `undefined` when the function has no reserved concurrency. */
  readonly reservedConcurrency: Known<number | undefined>;
  /** The Lambda runtime (`nodejs22.x`); `undefined` when none is set (a container image). */
  readonly runtime?: Known<string | undefined>;
}

/** How fixes are written for this source: the template's own syntax, or an AWS CLI command. */
export type Dialect = 'sam' | 'cloudformation' | 'cdk' | 'serverless' | 'live';

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
  /**
   * The queue named by something other than its ARN (`!Ref Queue` is its URL), which CloudFormation
   * rejects at deploy: what was written, and the queue's logical id. The queue is still resolved, so
   * the other rules check the queue that was meant.
   */
  readonly queueNotArn?: { readonly written: string; readonly queue: string };
  /** Whether the mapping has `ProvisionedPollerConfig` (provisioned mode). */
  readonly provisioned?: Known<boolean>;
  /** A SAM function in a template without `Transform: AWS::Serverless-2016-10-31` (checked anyway). */
  readonly samTransformMissing?: boolean;
}

/** Defaults AWS applies when a setting is absent. */
export const AWS_DEFAULTS = {
  functionTimeout: 3,
  visibilityTimeout: 30,
  retentionPeriod: 345_600,
  batchSize: 10,
  batchingWindow: 0,
} as const;
