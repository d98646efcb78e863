import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from '../../src/testing/index.js';

type Handler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse | void>;

/**
 * A small stand-in for Lambda's event source mapping against a real SQS API:
 * receives a batch, hands it to the handler in Lambda's record shape, deletes
 * what succeeded, and leaves failures to come back after the visibility timeout.
 */
export async function pollOnce(
  client: SQSClient,
  queueUrl: string,
  handler: Handler,
  region = 'us-east-1',
): Promise<number> {
  const { Messages = [] } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  if (Messages.length === 0) return 0;
  const arn = await queueArn(client, queueUrl);
  const records = Messages.map((message) => toRecord(message, arn, region));
  let failed: Set<string>;
  try {
    const reply = await handler({ Records: records }, lambdaContext({ remainingMs: 30_000 }));
    failed = new Set((reply?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch {
    failed = new Set(records.map((r) => r.messageId)); // a thrown error returns the whole batch
  }
  const done = records.filter((r) => !failed.has(r.messageId));
  if (done.length > 0) {
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
  return Messages.length;
}

const arns = new Map<string, string>();

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  let arn = arns.get(queueUrl);
  if (arn === undefined) {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    arn = Attributes?.QueueArn as string;
    arns.set(queueUrl, arn);
  }
  return arn;
}

function toRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.MessageGroupId === undefined
        ? {}
        : {
            MessageGroupId: attributes.MessageGroupId,
            MessageDeduplicationId: attributes.MessageDeduplicationId,
            SequenceNumber: attributes.SequenceNumber,
          }),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
}
