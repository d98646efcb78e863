import type { SQSMessageAttribute, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** What a record needs to know about the queue it came from. */
export interface RecordSource {
  readonly arn: string;
  readonly region: string;
}

/** A message of a receive answer that cannot be read, and why (never quoting the body or a value). */
export interface SkippedMessage {
  /** Its position in the answer's `Messages`. */
  readonly index: number;
  /** Its `MessageId`, when that is a string. */
  readonly messageId: string | undefined;
  readonly problem: string;
}

/** A `ReceiveMessage` answer, read: the records to run, and the messages skipped as malformed. */
export interface ReceivedMessages {
  readonly records: SQSRecord[];
  readonly skipped: SkippedMessage[];
}

/** System attributes Lambda puts on a record when SQS sent them. */
const OPTIONAL_ATTRIBUTES = [
  'AWSTraceHeader',
  'SequenceNumber',
  'MessageGroupId',
  'MessageDeduplicationId',
  'DeadLetterQueueSourceArn',
] as const;

/** A message that cannot be read: `problem` says what, by field name only. */
class Malformed {
  constructor(readonly problem: string) {}
}

/**
 * Reads a `ReceiveMessage` answer. Each message becomes a record in the
 * shape Lambda's event source mapping gives it (see {@link toRecord}); a
 * message that cannot be read whole (no id or receipt handle, an attribute
 * that is not what SQS sends) is skipped and named, and the others are kept.
 * A body that is not a string is kept as it is: the engine reports the
 * record invalid, as a Lambda handler does.
 *
 * @throws Error when the answer itself is not one (not an object, or
 *   `Messages` that is not an array): nothing can be taken from it.
 */
export function readReceiveAnswer(answer: unknown, source: RecordSource): ReceivedMessages {
  if (!isObject(answer)) throw new Error(`SQS answered ReceiveMessage with ${kindOf(answer)}, not an object`);
  const { Messages } = answer;
  if (Messages === undefined) return { records: [], skipped: [] };
  if (!Array.isArray(Messages)) {
    throw new Error(`SQS answered ReceiveMessage with \`Messages\` that is ${kindOf(Messages)}, not an array`);
  }
  const records: SQSRecord[] = [];
  const skipped: SkippedMessage[] = [];
  Messages.forEach((message: unknown, index) => {
    const record = toRecord(message, source);
    if (record instanceof Malformed) {
      const id = isObject(message) ? message.MessageId : undefined;
      skipped.push({ index, messageId: typeof id === 'string' ? id : undefined, problem: record.problem });
    } else {
      records.push(record);
    }
  });
  return { records, skipped };
}

/**
 * A received message in the shape Lambda's event source mapping gives it,
 * so `processRecord` (and `record.raw`) see exactly what they see on Lambda:
 * camel-case fields, system attributes as strings, message attributes with
 * `stringValue` / `binaryValue` (base64) and empty list values,
 * `eventSource: 'aws:sqs'`, the queue's ARN and region.
 */
function toRecord(message: unknown, source: RecordSource): SQSRecord | Malformed {
  if (!isObject(message)) return new Malformed(`the message is ${kindOf(message)}`);
  const { MessageId, ReceiptHandle, MD5OfBody, MD5OfMessageAttributes } = message;
  if (typeof MessageId !== 'string' || MessageId === '') return new Malformed('it has no `MessageId`');
  if (typeof ReceiptHandle !== 'string' || ReceiptHandle === '') return new Malformed('it has no `ReceiptHandle`');
  if (!optionalString(MD5OfBody)) return new Malformed('`MD5OfBody` is not a string');
  if (!optionalString(MD5OfMessageAttributes)) return new Malformed('`MD5OfMessageAttributes` is not a string');
  const attributes = toAttributes(message.Attributes);
  if (attributes instanceof Malformed) return attributes;
  const messageAttributes = toMessageAttributes(message.MessageAttributes);
  if (messageAttributes instanceof Malformed) return messageAttributes;
  const record: SQSRecord = {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    // Not a string (or absent): kept, so the engine reports the record invalid and it is never run.
    body: message.Body as string,
    attributes,
    messageAttributes,
    md5OfBody: MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: source.arn,
    awsRegion: source.region,
  };
  if (MD5OfMessageAttributes !== undefined) record.md5OfMessageAttributes = MD5OfMessageAttributes;
  return record;
}

function toAttributes(sent: unknown): SQSRecordAttributes | Malformed {
  if (sent === undefined) sent = {};
  if (!isObject(sent)) return new Malformed('`Attributes` is not an object');
  for (const [name, value] of Object.entries(sent)) {
    if (!optionalString(value)) return new Malformed(`\`Attributes.${nameOf(name)}\` is not a string`);
  }
  const strings = sent as Record<string, string | undefined>;
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: strings.ApproximateReceiveCount ?? '1',
    SentTimestamp: strings.SentTimestamp ?? '',
    SenderId: strings.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: strings.ApproximateFirstReceiveTimestamp ?? '',
  };
  for (const name of OPTIONAL_ATTRIBUTES) {
    const value = strings[name];
    if (value !== undefined) attributes[name] = value;
  }
  return attributes;
}

function toMessageAttributes(sent: unknown): SQSMessageAttributes | Malformed {
  const attributes: SQSMessageAttributes = {};
  if (sent === undefined) return attributes;
  if (!isObject(sent)) return new Malformed('`MessageAttributes` is not an object');
  for (const [name, value] of Object.entries(sent)) {
    const attribute = toMessageAttribute(value);
    if (attribute === undefined) return new Malformed(`\`MessageAttributes.${nameOf(name)}\` is not an attribute`);
    attributes[name] = attribute;
  }
  return attributes;
}

/** One message attribute, or `undefined` when it is not one as SQS sends it. */
function toMessageAttribute(value: unknown): SQSMessageAttribute | undefined {
  if (!isObject(value)) return undefined;
  const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues } = value;
  if (!optionalString(DataType) || !optionalString(StringValue)) return undefined;
  if (BinaryValue !== undefined && !(BinaryValue instanceof Uint8Array)) return undefined;
  if (!optionalListOf(StringListValues, (item) => typeof item === 'string')) return undefined;
  if (!optionalListOf(BinaryListValues, (item) => item instanceof Uint8Array)) return undefined;
  return {
    dataType: (DataType as string | undefined) ?? 'String',
    ...(StringValue === undefined ? {} : { stringValue: StringValue as string }),
    ...(BinaryValue === undefined ? {} : { binaryValue: Buffer.from(BinaryValue).toString('base64') }),
    stringListValues: (StringListValues as string[] | undefined) ?? [],
    binaryListValues: ((BinaryListValues as Uint8Array[] | undefined) ?? []).map((binary) =>
      Buffer.from(binary).toString('base64'),
    ),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

function optionalListOf(value: unknown, isItem: (item: unknown) => boolean): boolean {
  return value === undefined || (Array.isArray(value) && value.every(isItem));
}

/** How a malformed value is named: its kind, never its content. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** An attribute name as a log line quotes it: a name is not a body, but it may be long. */
function nameOf(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}
