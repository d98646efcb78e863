/**
 * The AWS extended-client wire format, shared by the reader (loaded with the
 * `largePayloads` option) and `sendMessages`. Facts from the AWS libraries:
 * a body `["<class name>",{"s3BucketName":"<bucket>","s3Key":"<key>"}]` and a
 * Number attribute with the original body's size in bytes.
 */

/**
 * The pointer's class name as current producers write it.
 *
 * @example
 * ```ts
 * import { POINTER_CLASS } from 'sqs-partial-batch/large-payloads';
 *
 * const isPointer = (body: string) => body.startsWith(`["${POINTER_CLASS}"`);
 * ```
 */
export const POINTER_CLASS = 'software.amazon.payloadoffloading.PayloadS3Pointer';

/**
 * The class name older producers (Java extended client 1.x) write; the reader takes both.
 *
 * @example
 * ```ts
 * import { LEGACY_POINTER_CLASS } from 'sqs-partial-batch/large-payloads';
 *
 * console.log(LEGACY_POINTER_CLASS); // 'com.amazon.sqs.javamessaging.MessageS3Pointer'
 * ```
 */
export const LEGACY_POINTER_CLASS = 'com.amazon.sqs.javamessaging.MessageS3Pointer';

/**
 * The Number message attribute with the original body's size in bytes, as `sendMessages` writes it.
 *
 * @example
 * ```ts
 * import { SIZE_ATTRIBUTE } from 'sqs-partial-batch/large-payloads';
 *
 * const size = (record: SQSRecord) => Number(record.messageAttributes[SIZE_ATTRIBUTE]?.stringValue);
 * ```
 */
export const SIZE_ATTRIBUTE = 'ExtendedPayloadSize';

/**
 * The size attribute older producers write.
 *
 * @example
 * ```ts
 * import { LEGACY_SIZE_ATTRIBUTE } from 'sqs-partial-batch/large-payloads';
 *
 * console.log(LEGACY_SIZE_ATTRIBUTE); // 'SQSLargePayloadSize'
 * ```
 */
export const LEGACY_SIZE_ATTRIBUTE = 'SQSLargePayloadSize';

/**
 * Where an offloaded body lives: what a pointer names.
 *
 * @example
 * ```ts
 * import type { S3Pointer } from 'sqs-partial-batch/large-payloads';
 *
 * const pointer: S3Pointer = { bucket: 'imports-payloads', key: '5d1c0a4e-3f4b-4c5d-9e8f-0a1b2c3d4e5f' };
 * ```
 */
export interface S3Pointer {
  readonly bucket: string;
  readonly key: string;
}

/** The body that stands for an object, byte for byte as the AWS libraries write it. */
export function pointerBody(pointer: S3Pointer): string {
  return JSON.stringify([POINTER_CLASS, { s3BucketName: pointer.bucket, s3Key: pointer.key }]);
}

/**
 * Reads a body as a pointer: the pointer; a string that says why it is a
 * malformed one (a JSON array that starts with either class name but is not
 * `[name, { s3BucketName, s3Key }]` with non-empty strings); or `undefined`
 * for any other text, which is left alone. The message never quotes the key.
 */
export function readPointer(text: string): S3Pointer | string | undefined {
  if (!/^\s*\[/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || (value[0] !== POINTER_CLASS && value[0] !== LEGACY_POINTER_CLASS)) return undefined;
  const fields = value[1] as { s3BucketName?: unknown; s3Key?: unknown } | null | undefined;
  const bucket = typeof fields === 'object' && fields !== null ? fields.s3BucketName : undefined;
  const key = typeof fields === 'object' && fields !== null ? fields.s3Key : undefined;
  if (value.length !== 2 || typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') {
    return 'Expected a large payload pointer `[class name, { s3BucketName, s3Key }]` with two non-empty strings';
  }
  return { bucket, key };
}
