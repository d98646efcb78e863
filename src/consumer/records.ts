import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** What a record needs to know about the queue it came from. */
export interface RecordSource {
  readonly arn: string;
  readonly region: string;
}

/** System attributes Lambda puts on a record when SQS sent them. */
const OPTIONAL_ATTRIBUTES = [
  'AWSTraceHeader',
  'SequenceNumber',
  'MessageGroupId',
  'MessageDeduplicationId',
  'DeadLetterQueueSourceArn',
] as const;

/**
 * A received message in the shape Lambda's event source mapping gives it,
 * so `processRecord` (and `record.raw`) see exactly what they see on Lambda:
 * camel-case fields, system attributes as strings, message attributes with
 * `stringValue` / `binaryValue` (base64) and empty list values,
 * `eventSource: 'aws:sqs'`, the queue's ARN and region. `undefined` for a
 * message without an id or receipt handle (SQS never sends one).
 */
export function toRecord(message: Message, source: RecordSource): SQSRecord | undefined {
  const { MessageId, ReceiptHandle } = message;
  if (!MessageId || !ReceiptHandle) return undefined;
  const sent = message.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: sent.ApproximateReceiveCount ?? '1',
    SentTimestamp: sent.SentTimestamp ?? '',
    SenderId: sent.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: sent.ApproximateFirstReceiveTimestamp ?? '',
  };
  for (const name of OPTIONAL_ATTRIBUTES) {
    const value = sent[name];
    if (value !== undefined) attributes[name] = value;
  }
  const record: SQSRecord = {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: message.Body ?? '',
    attributes,
    messageAttributes: toMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: source.arn,
    awsRegion: source.region,
  };
  if (message.MD5OfMessageAttributes !== undefined) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

function toMessageAttributes(sent: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const attributes: SQSMessageAttributes = {};
  if (sent === undefined) return attributes;
  for (const [name, value] of Object.entries(sent)) {
    attributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((binary) => Buffer.from(binary).toString('base64')),
    };
  }
  return attributes;
}
