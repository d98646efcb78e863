import { quote, SqsPartialBatchError } from '../errors.js';

/**
 * S3 did not hand over a record's offloaded payload (an error, a timeout, a
 * reply that is not an object with a readable body): the record fails and is
 * retried. The message names the bucket and what S3 answered (its error code
 * and HTTP status), never the object's key or content.
 *
 * @example
 * ```ts
 * import type { RecordOutcome } from 'sqs-partial-batch';
 * import { LargePayloadError } from 'sqs-partial-batch/large-payloads';
 *
 * const isS3Fault = (outcome: RecordOutcome) => outcome.status === 'failed' && outcome.error instanceof LargePayloadError;
 * ```
 */
export class LargePayloadError extends SqsPartialBatchError {
  override readonly name = 'LargePayloadError' as const;
  readonly code = 'LARGE_PAYLOAD' as const;
  /** The SQS messageId of the record. */
  readonly messageId: string;
  /** The bucket the pointer names. */
  readonly bucket: string;

  constructor(messageId: string, bucket: string, why: string) {
    super(`Record ${quote(messageId)}: the large payload in bucket ${quote(bucket)} could not be read: ${why}`);
    this.messageId = messageId;
    this.bucket = bucket;
  }
}
