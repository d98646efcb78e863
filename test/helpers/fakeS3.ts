import { Readable } from 'node:stream';

/** What the fake S3 does with one call. */
export type S3Behaviour =
  | 'ok'
  | 'hang'
  | 'throw'
  | '403'
  | '404'
  | '500'
  | 'garbage'
  | 'no-body'
  | 'not-bytes'
  | 'huge-length'
  | 'endless'
  | 'reject-later';

export interface FakeS3 {
  readonly objects: Map<string, string | Uint8Array>;
  /** Every call, in order: the command's name and its bucket and key. */
  readonly calls: Array<{ readonly command: string; readonly bucket: string; readonly key: string }>;
  /** Objects deleted, as `bucket/key`. */
  readonly deleted: string[];
  /** The most fetches running at once. */
  readonly peak: number;
  /** How each call behaves; `ok` serves the objects. */
  behave: (command: string, bucket: string, key: string) => S3Behaviour;
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(`${name}: The specified key does not exist: secret-key`), {
    name,
    $metadata: { httpStatusCode: status },
  });

/**
 * An S3 client in memory, for `largePayloads` tests: serves `GetObject`,
 * `PutObject` and `DeleteObject` from a map, or misbehaves as told. Its
 * error messages quote the key, as a hostile or careless client might.
 */
export function fakeS3(objects: Record<string, string | Uint8Array> = {}): FakeS3 {
  let running = 0;
  const fake: FakeS3 = {
    objects: new Map(Object.entries(objects)),
    calls: [],
    deleted: [],
    peak: 0,
    behave: () => 'ok',
    async send(command, options) {
      const name = (command as { constructor: { name: string } }).constructor.name;
      const {
        Bucket: bucket,
        Key: key,
        Body,
      } = (command as { input: { Bucket: string; Key: string; Body?: unknown } }).input;
      fake.calls.push({ command: name, bucket, key });
      const id = `${bucket}/${key}`;
      const behaviour = fake.behave(name, bucket, key);
      running++;
      (fake as { peak: number }).peak = Math.max(fake.peak, running);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        switch (behaviour) {
          case 'hang':
            return await new Promise((_, reject) =>
              options?.abortSignal?.addEventListener('abort', () => reject(new Error(`aborted ${key}`))),
            );
          case 'throw':
            throw new TypeError(`socket hang up while reading ${key}`);
          case '403':
            throw s3Error('AccessDenied', 403);
          case '404':
            throw s3Error('NoSuchKey', 404);
          case '500':
            throw s3Error('InternalError', 500);
          case 'garbage':
            return `<xml>${key}</xml>`;
          case 'reject-later':
            throw 42;
          default:
            break;
        }
        if (name === 'PutObjectCommand') {
          fake.objects.set(id, Body as string);
          return { ETag: '"x"' };
        }
        if (name === 'DeleteObjectCommand') {
          fake.deleted.push(id);
          fake.objects.delete(id);
          return {};
        }
        if (behaviour === 'no-body') return { ContentLength: 3 };
        if (behaviour === 'not-bytes') return { Body: Readable.from([{ key }], { objectMode: true }) };
        if (behaviour === 'huge-length') return { ContentLength: 5e9, Body: Readable.from([Buffer.from('x')]) };
        if (behaviour === 'endless') {
          let served = 0;
          const body = new Readable({
            read() {
              served++;
              this.push(Buffer.alloc(64 * 1024, 120));
            },
          });
          return {
            Body: body,
            get served() {
              return served;
            },
          };
        }
        const object = fake.objects.get(id);
        if (object === undefined) throw s3Error('NoSuchKey', 404);
        const bytes = typeof object === 'string' ? Buffer.from(object) : Buffer.from(object);
        return { ContentLength: bytes.byteLength, Body: Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]) };
      } finally {
        running--;
      }
    },
  };
  return fake;
}

/** A pointer body as the Java extended client writes it. */
export function javaPointer(bucket: string, key: string, legacy = false): string {
  const name = legacy
    ? 'com.amazon.sqs.javamessaging.MessageS3Pointer'
    : 'software.amazon.payloadoffloading.PayloadS3Pointer';
  return `["${name}",{"s3BucketName":"${bucket}","s3Key":"${key}"}]`;
}
