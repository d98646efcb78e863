/**
 * Large payloads: a producer that offloads big bodies to S3, and a handler
 * that reads them back, in the AWS extended-client format (so a Java or
 * Python producer or consumer can stand on either side).
 *
 * `sendImports` sends each import as one message; a body over 256 KiB goes to
 * the bucket under a fresh key, and the message carries the pointer. The
 * handler fetches each pointer's object before the schema sees it, only from
 * the bucket it trusts, and deletes the object once its record succeeded.
 * Idempotency makes a redelivery whose object is already deleted a duplicate,
 * not an invalid record.
 *
 * Needs PAYLOAD_BUCKET; IAM: s3:PutObject (producer), s3:GetObject and
 * s3:DeleteObject (handler) on that bucket.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type BatchHandler, createBatchHandler, MemoryIdempotencyStore } from 'sqs-partial-batch';
import { type SendOutcome, sendMessages } from 'sqs-partial-batch/sqs';
import { z } from 'zod';

const Import = z.object({
  importId: z.string(),
  rows: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
});
type Import = z.infer<typeof Import>;

const bucket = () => process.env.PAYLOAD_BUCKET ?? 'imports-payloads';

/** The handler, with the S3 client to read (and delete) payloads with. */
export function createImportHandler(s3: S3Client = new S3Client({})): BatchHandler {
  return createBatchHandler(
    async (record) => {
      console.log(`import ${record.body.importId}: ${record.body.rows.length} rows`);
    },
    {
      schema: Import,
      concurrency: 4, // fetches count against it, like the work
      idempotency: { store: new MemoryIdempotencyStore() }, // use DynamoDB or Redis in production
      largePayloads: { s3, allowedBuckets: [bucket()], deleteAfterSuccess: true },
    },
  );
}

let imports: BatchHandler | undefined;

/** The Lambda handler. */
export const handler: BatchHandler = async (event, context) => {
  imports ??= createImportHandler();
  return imports(event, context);
};

/** The producer: sends each import, offloading the large ones; throws if any could not be sent. */
export async function sendImports(
  queueUrl: string,
  batch: readonly Import[],
  clients: { sqs?: SQSClient; s3?: S3Client } = {},
): Promise<SendOutcome[]> {
  const outcomes = await sendMessages(
    clients.sqs ?? new SQSClient({}),
    queueUrl,
    batch.map((item) => ({ body: JSON.stringify(item) })),
    { largePayloads: { s3: clients.s3 ?? new S3Client({}), bucket: bucket() } },
  );
  const failed = outcomes.filter((outcome) => outcome.status === 'failed');
  if (failed.length > 0) throw new Error(`${failed.length} imports were not sent: ${failed[0]?.error}`);
  return outcomes;
}
