/**
 * Attribute names and values a record's span carries. The `messaging.*` and
 * `error.type` names are copied from OpenTelemetry's semantic conventions
 * v1.45.0 (`@opentelemetry/semantic-conventions` 1.45.0, its `incubating`
 * entry: the messaging conventions are still in development), as that
 * package advises, so it is not a runtime dependency. The
 * `sqs_partial_batch.*` names are ours: the conventions have no attribute
 * for them.
 */

/** `messaging.system`: deprecated in v1.45.0 for `messaging.system.name`, still what most back ends read; both are set. */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
/** The value of `messaging.system` for SQS. */
export const MESSAGING_SYSTEM_VALUE_AWS_SQS = 'aws_sqs';
/** `messaging.system.name`: the current name of the messaging system attribute. */
export const ATTR_MESSAGING_SYSTEM_NAME = 'messaging.system.name';
/** The value of `messaging.system.name` for SQS. */
export const MESSAGING_SYSTEM_NAME_VALUE_AWS_SQS = 'aws.sqs';
/** `messaging.operation.name`: the system-specific operation; required by the SQS conventions. */
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
/** `messaging.operation.type`: the kind of operation. */
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
/** The operation a record's span describes: a consumer processing one message. */
export const MESSAGING_OPERATION_TYPE_VALUE_PROCESS = 'process';
/** `messaging.destination.name`: the queue's name. */
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
/** `messaging.message.id`: the SQS message id. */
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
/** `error.type`: the class of error a failed operation ended with (stable). */
export const ATTR_ERROR_TYPE = 'error.type';
/** The value of `error.type` when the error has no name to give. */
export const ERROR_TYPE_VALUE_OTHER = '_OTHER';

/** Ours: the record's outcome when it settled (`succeeded`, `failed`, `invalid`, `duplicate`). */
export const ATTR_RECORD_STATUS = 'sqs_partial_batch.record.status';
/** Ours: the message group id (FIFO and fair queues); the SQS conventions define none. */
export const ATTR_RECORD_MESSAGE_GROUP_ID = 'sqs_partial_batch.record.message_group_id';
/** Ours: `ApproximateReceiveCount`, this delivery included. */
export const ATTR_RECORD_RECEIVE_COUNT = 'sqs_partial_batch.record.receive_count';
