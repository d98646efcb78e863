/**
 * SQS's limits, in one place: the SQS calls (`sqs.ts`), the failure policy
 * and their tests read them from here. As documented by AWS for the SQS API
 * (the message size was raised from 256 KiB to 1 MiB in August 2025). This
 * module imports nothing, so any entry may bundle it.
 */

/** Entries per batch call (`SendMessageBatch`, `DeleteMessageBatch`, `ChangeMessageVisibilityBatch`). */
export const MAX_BATCH_ENTRIES = 10;

/**
 * Largest message, in bytes: the body's UTF-8 bytes plus, for each message
 * attribute, its name, its data type and its value (UTF-8 text, or the
 * binary value's bytes). 1 MiB.
 */
export const MAX_MESSAGE_BYTES = 1_048_576;

/** Largest `SendMessageBatch` request: the sum of its messages' sizes, counted as for one message. 1 MiB. */
export const MAX_BATCH_BYTES = 1_048_576;

/** Message attributes per message. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

/** The longest visibility timeout SQS accepts, in seconds: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;
