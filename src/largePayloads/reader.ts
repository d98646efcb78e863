import { invalid, ParseFailure } from '../parse.js';
import type { Envelope } from '../types.js';
import { settleWithin } from '../util.js';
import { LargePayloadError } from './errors.js';
import type { ResolvedLargePayloads, S3ClientLike } from './options.js';
import { readPointer, type S3Pointer } from './pointer.js';
import { GivenUp, loadS3Sdk, type S3Sdk } from './s3.js';

/**
 * Follows large-payload pointers to S3 and deletes their objects.
 * `@aws-sdk/client-s3` is imported on the first pointer. Nothing here writes
 * an object's content or key into a message.
 */

/** The client made on first use, per handler, when `largePayloads.s3` is not given. */
const defaultClients = new WeakMap<ResolvedLargePayloads, S3ClientLike>();

async function clientOf(settings: ResolvedLargePayloads): Promise<{ s3: S3ClientLike; sdk: S3Sdk }> {
  const loaded = await loadS3Sdk();
  let s3 = settings.s3 ?? defaultClients.get(settings);
  if (s3 === undefined) {
    s3 = new loaded.S3Client({});
    defaultClients.set(settings, s3);
  }
  return { s3, sdk: loaded };
}

/** An offloaded body, fetched: the text to parse in place of the SQS body, and how. */
export interface Fetched {
  readonly text: string;
  /** The envelope still to unwrap: none when the pointer was the SNS `Message`, already unwrapped. */
  readonly envelope: Envelope | undefined;
  readonly pointer: S3Pointer;
}

/**
 * The pointer a body holds (directly, or as the SNS `Message` with
 * `envelope: 'sns'`); a string when it holds a malformed one; `undefined`
 * when it holds none.
 */
export function pointerIn(body: unknown, envelope: Envelope | undefined): S3Pointer | string | undefined {
  if (typeof body !== 'string') return undefined;
  if (envelope !== 'sns') return readPointer(body);
  let message: unknown;
  try {
    message = (JSON.parse(body) as { Message?: unknown } | null)?.Message;
  } catch {
    return undefined;
  }
  return typeof message === 'string' ? readPointer(message) : undefined;
}

/**
 * Fetches the object a record's body points to: the body to parse instead,
 * `undefined` when the body is no pointer (it is parsed as it is), or why not,
 * as a `ParseFailure`: permanent for a malformed pointer, a bucket not
 * allowed, an object missing or larger than `maxBytes`, or not UTF-8; not
 * permanent, with a `LargePayloadError`, when S3 failed, timed out or
 * answered garbage (retried). Never rejects; held
 * to `timeoutMs`, and given up when `signal` aborts.
 */
export async function fetchPayload(
  settings: ResolvedLargePayloads,
  body: unknown,
  envelope: Envelope | undefined,
  messageId: string,
  signal: AbortSignal,
): Promise<Fetched | ParseFailure | undefined> {
  const pointer = pointerIn(body, envelope);
  if (pointer === undefined) return undefined;
  if (typeof pointer === 'string') return invalid(messageId, 'payload', pointer);
  const { bucket } = pointer;
  if (!settings.allowedBuckets.has(bucket)) {
    return invalid(
      messageId,
      'payload',
      `The pointer names bucket ${JSON.stringify(bucket)}, which is not in \`largePayloads.allowedBuckets\`; it was not fetched`,
    );
  }
  const failed = (why: string) => new ParseFailure(new LargePayloadError(messageId, bucket, why), false);
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  let stream: { destroy?: () => void } | undefined;
  try {
    if (signal.aborted) return failed('the record was stopped before the fetch');
    const read = settleWithin(
      (async () => {
        const { s3, sdk } = await clientOf(settings);
        const reply: unknown = await s3.send(
          new sdk.GetObjectCommand({ Bucket: bucket, Key: pointer.key }) as never,
          { abortSignal: controller.signal } as never,
        );
        if (typeof reply !== 'object' || reply === null)
          return 'S3 answered GetObject with something other than an object';
        const { Body, ContentLength } = reply as { Body?: unknown; ContentLength?: unknown };
        stream = Body as typeof stream;
        if (typeof ContentLength === 'number' && ContentLength > settings.maxBytes) return ContentLength;
        return readAtMost(Body, settings.maxBytes, controller.signal);
      })(),
      settings.timeoutMs,
      () => new GivenUp(`S3 did not answer within ${settings.timeoutMs} ms`),
      {
        promise: new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve())),
        error: () => new GivenUp('the record was stopped (its signal aborted) during the fetch'),
      },
    );
    const bytes = await read;
    if (typeof bytes === 'string') return failed(bytes);
    if (typeof bytes === 'number') {
      return invalid(
        messageId,
        'payload',
        `The object in bucket ${JSON.stringify(bucket)} is ${bytes === Number.POSITIVE_INFINITY ? 'larger than that' : `${bytes} bytes`}, past \`largePayloads.maxBytes\` (${settings.maxBytes}); it was not read past that size`,
      );
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return invalid(messageId, 'payload', `The object in bucket ${JSON.stringify(bucket)} is not UTF-8 text`);
    }
    return { text, envelope: envelope === 'sns' ? undefined : envelope, pointer };
  } catch (error) {
    if (isMissing(error)) {
      return invalid(messageId, 'payload', `The object does not exist in bucket ${JSON.stringify(bucket)}`, [], true);
    }
    return failed(describeS3Error(error));
  } finally {
    signal.removeEventListener('abort', abort);
    controller.abort();
    try {
      stream?.destroy?.();
    } catch {
      // A body that cannot be destroyed is left to the garbage collector.
    }
  }
}

/**
 * The bytes of a GetObject `Body` (a Node stream, or any async iterable of
 * bytes; bytes or a string as such), reading no more than `max + 1` bytes:
 * `Infinity` when there are more, a string when it is not a body.
 */
async function readAtMost(body: unknown, max: number, signal: AbortSignal): Promise<Uint8Array | number | string> {
  if (typeof body === 'string') body = Buffer.from(body);
  if (body instanceof Uint8Array) return body.byteLength > max ? body.byteLength : body;
  if (typeof (body as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] !== 'function') {
    return 'S3 answered GetObject without a readable body';
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<unknown>) {
    if (signal.aborted) return 'the fetch was given up';
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!(bytes instanceof Uint8Array)) return 'S3 answered GetObject with a body that is not bytes';
    total += bytes.byteLength;
    if (total > max) return Number.POSITIVE_INFINITY;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

/** Whether S3 said the object does not exist (404, `NoSuchKey`). */
function isMissing(error: unknown): boolean {
  try {
    const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
    return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
  } catch {
    return false;
  }
}

/**
 * What S3 answered, without its text: an error's message may quote the key,
 * so only a name that looks like an S3 error code and the HTTP status are kept.
 */
function describeS3Error(error: unknown): string {
  try {
    if (error instanceof GivenUp) return error.message;
    const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
    const code = typeof name === 'string' && /^[A-Za-z][\w.-]{0,63}$/.test(name) ? name : 'an error';
    const status = $metadata?.httpStatusCode;
    return `S3 failed with ${code}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`;
  } catch {
    return 'S3 failed with an error that cannot be described';
  }
}

/**
 * Deletes objects, one `DeleteObject` call each, side by side, each held by
 * `bound` (the invocation's budget and `timeoutMs`). Never rejects.
 *
 * @returns The objects not deleted, with why (no key in it).
 */
export async function deleteObjects(
  settings: ResolvedLargePayloads,
  pointers: readonly S3Pointer[],
  bound: <T>(call: () => PromiseLike<T>) => Promise<T>,
): Promise<Array<{ readonly bucket: string; readonly error: string }>> {
  const failures: Array<{ bucket: string; error: string }> = [];
  await Promise.all(
    pointers.map(async ({ bucket, key }) => {
      let fromS3: { error: unknown } | undefined;
      try {
        await bound(async () => {
          try {
            const { s3, sdk } = await clientOf(settings);
            return await s3.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }) as never);
          } catch (error) {
            fromS3 = { error };
            throw error;
          }
        });
      } catch (error) {
        // The bound's own error (a timeout, no time left) is ours to show; S3's is described without its text.
        const why = fromS3 === undefined && error instanceof Error ? error.message : describeS3Error(fromS3?.error);
        failures.push({ bucket, error: why });
      }
    }),
  );
  return failures;
}
