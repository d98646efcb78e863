import { Logger } from '@aws-lambda-powertools/logger';
import { type ProxyTracer, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { type } from 'arktype';
import type { Context, SQSBatchResponse, SQSEvent, SQSHandler, SQSRecord } from 'aws-lambda';
import type { Redis } from 'ioredis';
import type { createClient } from 'redis';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import {
  type BatchLogger,
  type BatchRecord,
  type BatchResult,
  createBatchHandler,
  createBatchProcessor,
  type IdempotencyStore,
  InvalidOptionsError,
  MemoryIdempotencyStore,
  type RecordContext,
  type RecordOutcome,
  type TracerLike,
} from '../../src/index.js';
import type { DynamoDBIdempotencyStore } from '../../src/stores/dynamodb.js';
import type { IoRedisLike, NodeRedisLike, RedisIdempotencyStore } from '../../src/stores/redis.js';

const Order = z.object({ orderId: z.string(), amountCents: z.number().int() });
type Order = z.output<typeof Order>;

describe('types flow from the schema to the callback', () => {
  it('gives the zod output type as record.body, with no casts', () => {
    createBatchHandler(
      async (record) => {
        expectTypeOf(record.body).toEqualTypeOf<Order>();
        expectTypeOf(record.body.amountCents).toEqualTypeOf<number>();
      },
      { schema: Order, concurrency: 8 },
    );
  });

  it('uses the output (not input) type of transforming schemas', () => {
    createBatchHandler(
      (record) => {
        expectTypeOf(record.body).toEqualTypeOf<{ cents: bigint }>();
      },
      { schema: z.object({ cents: z.string() }).transform((o) => ({ cents: BigInt(o.cents) })) },
    );
  });

  it('works for zod/mini, valibot and arktype', () => {
    createBatchHandler((record) => expectTypeOf(record.body).toEqualTypeOf<{ id: string }>(), {
      schema: zm.object({ id: zm.string() }),
    });
    createBatchProcessor((record) => expectTypeOf(record.body).toEqualTypeOf<{ id: number }>(), {
      schema: v.object({ id: v.number() }),
    });
    createBatchProcessor((record) => expectTypeOf(record.body).toEqualTypeOf<{ id: string }>(), {
      schema: type({ id: 'string' }),
    });
  });

  it('is the raw string without a schema, the Message string with sns, unknown detail with eventbridge', () => {
    createBatchHandler((record) => expectTypeOf(record.body).toEqualTypeOf<string>());
    createBatchHandler((record) => expectTypeOf(record.body).toEqualTypeOf<string>(), { concurrency: 2 });
    createBatchHandler((record) => expectTypeOf(record.body).toEqualTypeOf<string>(), { envelope: 'sns' });
    createBatchHandler((record) => expectTypeOf(record.body).toEqualTypeOf<unknown>(), { envelope: 'eventbridge' });
    createBatchHandler((record) => expectTypeOf(record.body).toEqualTypeOf<Order>(), {
      envelope: 'eventbridge',
      schema: Order,
    });
  });

  it('types the record and the context', () => {
    createBatchHandler((record, ctx) => {
      expectTypeOf(record).toEqualTypeOf<BatchRecord<string>>();
      expectTypeOf(record.messageId).toEqualTypeOf<string>();
      expectTypeOf(record.receiveCount).toEqualTypeOf<number>();
      expectTypeOf(record.messageGroupId).toEqualTypeOf<string | undefined>();
      expectTypeOf(record.raw).toEqualTypeOf<SQSRecord>();
      expectTypeOf(ctx).toEqualTypeOf<RecordContext>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      expectTypeOf(ctx.context).toEqualTypeOf<Context | undefined>();
      expectTypeOf(ctx.logger).toEqualTypeOf<BatchLogger>();
    });
  });

  it('rejects use of a field the schema does not have', () => {
    createBatchHandler(
      (record) => {
        // @ts-expect-error customerId is not in the schema
        void record.body.customerId;
      },
      { schema: Order },
    );
  });

  it('rejects options of the wrong type at compile time (and at run time)', () => {
    // @ts-expect-error fifoFailure is a union of two literals
    expect(() => createBatchHandler(() => {}, { fifoFailure: 'stop' })).toThrow(InvalidOptionsError);
    // @ts-expect-error unknown options are errors
    expect(() => createBatchHandler(() => {}, { concurency: 2 })).toThrow(InvalidOptionsError);
    // @ts-expect-error throwOnFullBatchFailure belongs to the handler only
    expect(() => createBatchProcessor(() => {}, { throwOnFullBatchFailure: true })).toThrow(InvalidOptionsError);
  });
});

describe('the handler fits Lambda', () => {
  it('is assignable to SQSHandler and returns an SQSBatchResponse', () => {
    const handler = createBatchHandler(() => {});
    const asLambda: SQSHandler = handler;
    expectTypeOf(asLambda).toEqualTypeOf<SQSHandler>();
    expectTypeOf(handler).parameters.toEqualTypeOf<[SQSEvent, (Context | undefined)?]>();
    expectTypeOf(handler).returns.toEqualTypeOf<Promise<SQSBatchResponse>>();
  });

  it('returns a result with outcomes from the processor', () => {
    const processBatch = createBatchProcessor(() => {});
    expectTypeOf(processBatch).returns.toEqualTypeOf<Promise<BatchResult>>();
    expectTypeOf<BatchResult['outcomes']>().toEqualTypeOf<readonly RecordOutcome[]>();
  });

  it('accepts the Powertools Logger and console as loggers', () => {
    createBatchHandler(() => {}, { logger: new Logger({ serviceName: 'orders' }) });
    createBatchHandler(() => {}, { logger: console });
    expectTypeOf<Logger>().toMatchTypeOf<BatchLogger>();
  });

  it('narrows outcomes by status', () => {
    const describe = (outcome: RecordOutcome): string => {
      switch (outcome.status) {
        case 'succeeded':
          return outcome.messageId;
        case 'duplicate':
          return outcome.key;
        case 'failed':
          return String(outcome.error);
        case 'invalid':
          return outcome.error.issues.map((issue) => issue.message).join();
        case 'skipped':
          return outcome.reason;
        case 'dead-lettered':
        case 'dropped':
          return String(outcome.error);
      }
    };
    expectTypeOf(describe).returns.toEqualTypeOf<string>();
  });
});

describe('hand-written schemas', () => {
  it('infer the body from what validate returns when they declare no types', () => {
    createBatchHandler((record) => expectTypeOf(record.body).toEqualTypeOf<{ n: number }>(), {
      schema: {
        '~standard': {
          version: 1,
          vendor: 'mine',
          validate: (value: unknown) =>
            typeof value === 'object' && value !== null && 'n' in value && typeof value.n === 'number'
              ? { value: { n: value.n } }
              : { issues: [{ message: 'expected { n: number }' }] },
        },
      },
    });
  });
});

describe('idempotency options', () => {
  it('types the key function from the schema', () => {
    createBatchHandler(() => {}, {
      schema: Order,
      idempotency: {
        store: new MemoryIdempotencyStore(),
        key: (record) => {
          expectTypeOf(record.body).toEqualTypeOf<Order>();
          return record.body.orderId;
        },
      },
    });
    createBatchHandler(() => {}, {
      idempotency: {
        store: new MemoryIdempotencyStore(),
        key: (record) => {
          expectTypeOf(record.body).toEqualTypeOf<string>();
          return record.messageId;
        },
      },
    });
  });

  it('accepts the three stores as IdempotencyStore', () => {
    expectTypeOf<MemoryIdempotencyStore>().toMatchTypeOf<IdempotencyStore>();
    expectTypeOf<RedisIdempotencyStore>().toMatchTypeOf<IdempotencyStore>();
    expectTypeOf<DynamoDBIdempotencyStore>().toMatchTypeOf<IdempotencyStore>();
  });

  it('accepts ioredis and node-redis clients', () => {
    expectTypeOf<Redis>().toMatchTypeOf<IoRedisLike>();
    expectTypeOf<ReturnType<typeof createClient>>().toMatchTypeOf<NodeRedisLike>();
  });
});

describe('the tracer option', () => {
  it('takes the API tracer, a ProxyTracer and an SDK tracer; rejects other objects', () => {
    expectTypeOf(trace.getTracer('orders')).toExtend<TracerLike>();
    expectTypeOf<ProxyTracer>().toExtend<TracerLike>();
    expectTypeOf(new BasicTracerProvider().getTracer('orders')).toExtend<TracerLike>();
    createBatchHandler(() => {}, { tracer: trace.getTracer('orders') });
    createBatchProcessor(() => {}, { tracer: trace.getTracer('orders') });
    // @ts-expect-error a TracerProvider is not a Tracer
    expect(() => createBatchHandler(() => {}, { tracer: new BasicTracerProvider() })).toThrow(InvalidOptionsError);
    // @ts-expect-error nor is a Powertools (X-Ray) Tracer
    expect(() => createBatchHandler(() => {}, { tracer: { getSegment: () => ({}) } })).toThrow(InvalidOptionsError);
  });
});
