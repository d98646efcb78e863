import { InvalidOptionsError } from '../errors.js';
import { describeValue, finiteAtLeast, hasSend, rejectUnknownKeys } from '../optionChecks.js';
import { MAX_VISIBILITY_SECONDS } from '../sqsLimits.js';

/**
 * The one method used from an `SQSClient` of `@aws-sdk/client-sqs` (v3).
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import type { SqsClientLike } from 'sqs-partial-batch';
 *
 * const client: SqsClientLike = new SQSClient({});
 * ```
 */
export interface SqsClientLike {
  send(command: never, options?: never): Promise<unknown>;
}

/**
 * The `backoff` option: delay the next delivery of failed records
 * exponentially instead of after the queue's fixed visibility timeout.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { createBatchHandler } from 'sqs-partial-batch';
 *
 * export const handler = createBatchHandler(async () => {}, {
 *   backoff: { client: new SQSClient({}), baseSeconds: 5, maxSeconds: 900 },
 * });
 * ```
 */
export interface BackoffOptions {
  /** An `SQSClient`; the function needs `sqs:ChangeMessageVisibility` (and `sqs:GetQueueUrl` without `queueUrl`). */
  readonly client: SqsClientLike;
  /** Delay after the first failed delivery, doubled for each further one. @default 5 */
  readonly baseSeconds?: number | undefined;
  /** Longest delay; SQS allows at most 43,200 (12 hours), and a larger value is refused. @default 900 */
  readonly maxSeconds?: number | undefined;
  /** `'full'`: a random delay between 0 and the exponential one (spreads retries); `'none'`: exactly it. @default 'full' */
  readonly jitter?: 'full' | 'none' | undefined;
  /**
   * The source queue's URL (or ARN); by default it is resolved from the event
   * source ARN with `GetQueueUrl` (cached).
   */
  readonly queueUrl?: string | undefined;
}

/**
 * The `deadLetter` option: where `onPermanentFailure: 'dead-letter'` sends records.
 *
 * @example
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import type { DeadLetterOptions } from 'sqs-partial-batch';
 *
 * const deadLetter: DeadLetterOptions = { client: new SQSClient({}), queueUrl: process.env.DLQ_URL! };
 * ```
 */
export interface DeadLetterOptions {
  /** An `SQSClient`; the function needs `sqs:SendMessage` on the queue (and `sqs:GetQueueUrl` when given an ARN). */
  readonly client: SqsClientLike;
  /**
   * The dead-letter queue's URL, or its ARN (`arn:aws:sqs:<region>:<account>:<queue>`, looked up once with
   * `GetQueueUrl`). Anything else is refused when the handler is created.
   */
  readonly queueUrl: string;
}

/**
 * What to do with a record that can never succeed: one whose `processRecord`
 * threw a `PermanentError`, or whose body failed validation.
 * - `'retry'`: report it like any failure (SQS retries it until its redrive policy moves it).
 * - `'dead-letter'`: send it to `deadLetter.queueUrl` now, then let SQS delete it.
 * - `'drop'`: let SQS delete it, after logging it whole at `error`.
 *
 * @example
 * ```ts
 * import type { PermanentFailureAction } from 'sqs-partial-batch';
 *
 * const action: PermanentFailureAction = 'dead-letter';
 * ```
 */
export type PermanentFailureAction = 'retry' | 'dead-letter' | 'drop';

/** Defaults of the failure policy options. */
export const FAILURE_DEFAULTS = Object.freeze({
  onPermanentFailure: 'retry',
  backoff: Object.freeze({ baseSeconds: 5, maxSeconds: 900, jitter: 'full' }),
} as const);

/** The longest visibility timeout SQS accepts, in seconds (kept here for the modules that import it from this file). */
export { MAX_VISIBILITY_SECONDS };

export interface ResolvedBackoff {
  readonly client: SqsClientLike;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  readonly jitter: 'full' | 'none';
  readonly queueUrl: string | undefined;
}

export interface ResolvedFailurePolicy {
  readonly onPermanentFailure: PermanentFailureAction;
  readonly deadLetter: DeadLetterOptions | undefined;
  readonly backoff: ResolvedBackoff | undefined;
}

/** Whether the policy has anything to do after a run (the default, `'retry'` without `backoff`, has not). */
export function hasFailurePolicy(policy: ResolvedFailurePolicy): boolean {
  return policy.backoff !== undefined || policy.onPermanentFailure !== 'retry';
}

/** Checks `backoff`, `onPermanentFailure` and `deadLetter`, and applies defaults. */
export function resolveFailurePolicy(input: {
  backoff?: unknown;
  onPermanentFailure?: unknown;
  deadLetter?: unknown;
}): ResolvedFailurePolicy {
  const { onPermanentFailure = FAILURE_DEFAULTS.onPermanentFailure, deadLetter, backoff } = input;
  if (onPermanentFailure !== 'retry' && onPermanentFailure !== 'dead-letter' && onPermanentFailure !== 'drop') {
    throw new InvalidOptionsError(
      `Expected \`onPermanentFailure\` to be \`'retry'\`, \`'dead-letter'\` or \`'drop'\`, got ${describeValue(onPermanentFailure)}`,
    );
  }
  if (onPermanentFailure === 'dead-letter' && deadLetter === undefined) {
    throw new InvalidOptionsError("`onPermanentFailure: 'dead-letter'` needs `deadLetter: { client, queueUrl }`");
  }
  if (onPermanentFailure !== 'dead-letter' && deadLetter !== undefined) {
    throw new InvalidOptionsError(
      `\`deadLetter\` is used only with \`onPermanentFailure: 'dead-letter'\`, got \`onPermanentFailure: '${onPermanentFailure}'\``,
    );
  }
  return {
    onPermanentFailure,
    deadLetter: deadLetter === undefined ? undefined : checkDeadLetter(deadLetter),
    backoff: backoff === undefined ? undefined : checkBackoff(backoff),
  };
}

function checkDeadLetter(value: unknown): DeadLetterOptions {
  const input = objectOption('deadLetter', value);
  rejectUnknownKeys(input, ['client', 'queueUrl'], 'deadLetter.');
  checkClient('deadLetter.client', input.client);
  return { client: input.client as SqsClientLike, queueUrl: checkQueueAddress('deadLetter.queueUrl', input.queueUrl) };
}

/**
 * A queue URL, or a queue ARN (looked up with `GetQueueUrl` when first used):
 * people copy either from the console or a stack's outputs. Anything else
 * (a bare queue name, a Lambda or SNS ARN) is refused here, with the fix,
 * rather than failing on every send with "queue does not exist".
 */
function checkQueueAddress(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidOptionsError(`Expected \`${name}\` to be a queue URL, got ${describeValue(value)}`);
  }
  if (value.startsWith('arn:')) {
    const [, partition, service, region, account, queue, ...rest] = value.split(':');
    if (service !== 'sqs' || !partition || !region || !/^\d{12}$/.test(account ?? '') || !queue || rest.length > 0) {
      throw new InvalidOptionsError(
        `Expected \`${name}\` to be a queue URL or an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>), got ${describeValue(value)}`,
      );
    }
    return value;
  }
  if (!/^https?:\/\/[^/\s]+\/\S+$/.test(value)) {
    throw new InvalidOptionsError(
      `Expected \`${name}\` to be a queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>, as GetQueueUrl answers) or a queue ARN, got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkBackoff(value: unknown): ResolvedBackoff {
  const input = objectOption('backoff', value);
  rejectUnknownKeys(input, ['client', 'baseSeconds', 'maxSeconds', 'jitter', 'queueUrl'], 'backoff.');
  checkClient('backoff.client', input.client);
  const { baseSeconds, maxSeconds, jitter, queueUrl } = input;
  const defaults = FAILURE_DEFAULTS.backoff;
  for (const [name, seconds] of [
    ['baseSeconds', baseSeconds],
    ['maxSeconds', maxSeconds],
  ] as const) {
    finiteAtLeast(`backoff.${name}`, seconds, 0);
    // SQS refuses a visibility timeout over 12 hours: a larger delay could never be set, so say so now.
    if (typeof seconds === 'number' && seconds > MAX_VISIBILITY_SECONDS) {
      throw new InvalidOptionsError(
        `Expected \`backoff.${name}\` to be at most ${MAX_VISIBILITY_SECONDS} (SQS's 12-hour visibility limit), got \`${seconds}\``,
      );
    }
  }
  if (jitter !== undefined && jitter !== 'full' && jitter !== 'none') {
    throw new InvalidOptionsError(
      `Expected \`backoff.jitter\` to be \`'full'\` or \`'none'\`, got ${describeValue(jitter)}`,
    );
  }
  if (queueUrl !== undefined) checkQueueAddress('backoff.queueUrl', queueUrl);
  return {
    client: input.client as SqsClientLike,
    baseSeconds: (baseSeconds as number | undefined) ?? defaults.baseSeconds,
    maxSeconds: (maxSeconds as number | undefined) ?? defaults.maxSeconds,
    jitter: (jitter as 'full' | 'none' | undefined) ?? defaults.jitter,
    queueUrl: queueUrl as string | undefined,
  };
}

function objectOption(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionsError(`Expected \`${name}\` to be an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

function checkClient(name: string, client: unknown): void {
  if (!hasSend(client)) {
    throw new InvalidOptionsError(
      `Expected \`${name}\` to be an SQSClient from @aws-sdk/client-sqs (an object with \`send\`), got ${describeValue(client)}`,
    );
  }
}
