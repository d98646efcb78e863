import { describe, expect, it } from 'vitest';
import { createBatchProcessor, RecordValidationError } from '../../src/index.js';
import { LargePayloadError } from '../../src/largePayloads/index.js';
import { sqsEvent } from '../helpers/events.js';
import { javaPointer } from '../helpers/fakeS3.js';

// The shapes of a GetObject answer the reader takes, and those it refuses, as any S3 client (or a
// hostile one) may give them: a string, bytes, an async iterable of strings or bytes, or garbage.

const BUCKET = 'payloads';

/** An S3 client whose every GetObject answers `reply`. */
function answering(reply: unknown) {
  return { send: async () => reply };
}

async function run(reply: unknown, options: { maxBytes?: number } = {}) {
  const bodies: unknown[] = [];
  const processBatch = createBatchProcessor((record) => void bodies.push(record.body), {
    logger: false,
    largePayloads: { s3: answering(reply), allowedBuckets: [BUCKET], ...options },
  });
  const { outcomes } = await processBatch(sqsEvent([javaPointer(BUCKET, 'k')]));
  return { outcome: outcomes[0], bodies };
}

async function* chunks(...parts: unknown[]) {
  for (const part of parts) yield part;
}

describe('largePayloads: the GetObject body', () => {
  it('reads a body given as a string', async () => {
    const { outcome, bodies } = await run({ Body: '{"orderId":"o-1"}' });
    expect(outcome?.status).toBe('succeeded');
    expect(bodies).toEqual(['{"orderId":"o-1"}']);
  });

  it('reads a body streamed as strings', async () => {
    const { bodies } = await run({ Body: chunks('{"order', 'Id":"o-2"}') });
    expect(bodies).toEqual(['{"orderId":"o-2"}']);
  });

  it('refuses bytes past maxBytes without reading them, and says how large they are', async () => {
    const { outcome } = await run({ Body: new Uint8Array(2048) }, { maxBytes: 1024 });
    expect(outcome?.status).toBe('invalid');
    const error = (outcome as { error: RecordValidationError }).error;
    expect(error).toBeInstanceOf(RecordValidationError);
    expect(error.message).toContain('is 2048 bytes, past `largePayloads.maxBytes` (1024)');
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'OK', 'S3 answered GetObject with something other than an object'],
    ['a body of numbers', { Body: chunks(1, 2, 3) }, 'S3 answered GetObject with a body that is not bytes'],
    ['no body', {}, 'S3 answered GetObject without a readable body'],
  ])('fails the record (to be retried) when S3 answers %s', async (_title, reply, why) => {
    const { outcome, bodies } = await run(reply);
    expect(outcome?.status).toBe('failed');
    const error = (outcome as { error: LargePayloadError }).error;
    expect(error).toBeInstanceOf(LargePayloadError);
    expect(error.message).toContain(why);
    expect(bodies).toEqual([]);
  });
});

describe("largePayloads: a pointer inside an SNS notification's Message", () => {
  const run = async (body: string) => {
    let sends = 0;
    const processBatch = createBatchProcessor(() => {}, {
      envelope: 'sns',
      logger: false,
      largePayloads: {
        s3: {
          send: async () => {
            sends++;
            return { Body: '{}' };
          },
        },
        allowedBuckets: [BUCKET],
      },
    });
    const { outcomes } = await processBatch(sqsEvent([body]));
    return { status: outcomes[0]?.status, sends };
  };

  it('fetches nothing for a body that is not JSON, or whose Message is not a string', async () => {
    expect(await run('not json')).toEqual({ status: 'invalid', sends: 0 });
    expect(await run(JSON.stringify({ Type: 'Notification', Message: { nested: true } }))).toEqual({
      status: 'invalid',
      sends: 0,
    });
    expect(await run('null')).toEqual({ status: 'invalid', sends: 0 });
  });

  it('fetches the object a Message string points to', async () => {
    expect(await run(JSON.stringify({ Type: 'Notification', Message: javaPointer(BUCKET, 'k') }))).toEqual({
      status: 'succeeded',
      sends: 1,
    });
  });
});
