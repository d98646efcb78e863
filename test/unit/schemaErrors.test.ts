/**
 * No text derived from what a schema throws reaches a log line, an error
 * message, a `cause` the library attaches, or a span (issue #18, item 8).
 * The thrown value is kept behind `RecordValidationError.unsafeCause`, which
 * only code that asks for it by name reads. Issue messages, which schema
 * libraries write from the input, have the payload's values taken out, whole
 * or in part, numbers included.
 */
import { inspect } from 'node:util';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type } from 'arktype';
import * as v from 'valibot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createBatchHandler,
  createBatchProcessor,
  FullBatchFailureError,
  RecordValidationError,
  type StandardSchemaV1,
} from '../../src/index.js';
import { lambdaContext, sqsEvent } from '../helpers/events.js';
import { captureOutput, withLogLevel } from '../helpers/stdout.js';
import { reachableStrings } from '../helpers/watch.js';

const SECRET = 'SECRET-4111-1111-1111-1111-CARD';
/** What a parser quoting the first ten characters of the body would print. */
const PREFIX = SECRET.slice(0, 10);

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('t');
beforeAll(() => void context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
afterAll(() => void context.disable());
let output: ReturnType<typeof captureOutput> | undefined;
afterEach(() => {
  output?.restore();
  output = undefined;
  exporter.reset();
});

/** Everything a run wrote or handed out: stdout, stderr, outcomes, errors, spans (attributes, status, events). */
async function runAndCollect(schema: StandardSchemaV1, body: unknown): Promise<{ text: string; error: unknown }> {
  output = captureOutput();
  const processBatch = withLogLevel('DEBUG', () => createBatchProcessor(() => {}, { schema, tracer }));
  const { outcomes } = await processBatch(sqsEvent([body]), lambdaContext());
  const handler = withLogLevel('DEBUG', () => createBatchHandler(() => {}, { schema, tracer }));
  const thrown = await handler(sqsEvent([body]), lambdaContext()).catch((error: unknown) => error);
  output.restore();
  const error = (outcomes[0] as { error?: unknown }).error;
  const spans = exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
  }));
  const text = [
    ...output.stdout,
    ...output.stderr,
    ...reachableStrings([outcomes, thrown, spans]),
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
    inspect(thrown, { depth: 10 }),
  ].join('\n');
  return { text, error };
}

const jsonInTransform = z.object({ payload: z.string().transform((text) => JSON.parse(text)) });
const throwsWithValue = z.object({ card: z.string() }).transform((value) => {
  throw new Error(`cannot tokenize ${value.card}`);
});
const rejectsWithValue: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'async',
    validate: (value) => Promise.reject(new TypeError(`lookup failed for ${JSON.stringify(value)}`)),
  },
};
const throwsString: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'strings',
    validate: (value) => {
      throw `bad input: ${JSON.stringify(value)}`;
    },
  },
};

describe('what a schema throws never reaches a message, a cause, a log line or a span', () => {
  it.each<[string, StandardSchemaV1, unknown, string]>([
    ['JSON.parse in a transform (quotes a prefix of the body)', jsonInTransform, { payload: SECRET }, 'a SyntaxError'],
    ['a transform whose message names the value', throwsWithValue, { card: SECRET }, 'an error'],
    ['an async refinement that rejects with the payload', rejectsWithValue, { card: SECRET }, 'a TypeError'],
    ['a schema that throws a string', throwsString, { card: SECRET }, 'a value of type string'],
  ])('%s', async (_label, schema, body, kind) => {
    const { text, error } = await runAndCollect(schema, body);

    expect(text).not.toContain(PREFIX);
    expect(text).not.toContain('tokenize');
    expect(error).toBeInstanceOf(RecordValidationError);
    const validation = error as RecordValidationError;
    expect(validation.issues).toEqual([
      {
        message: `The schema threw ${kind}; its text is not shown, as it may quote the body (the error's \`unsafeCause\` holds it)`,
        path: [],
      },
    ]);
    expect(validation.cause).toBeUndefined();
    // The opt-in: code that asks for it by name gets what was thrown, untouched.
    expect(inspect(validation.unsafeCause)).toContain(PREFIX);
  });

  it('logs the failure, with its span marked as an error, yet quotes nothing of it', async () => {
    const { text } = await runAndCollect(jsonInTransform, { payload: SECRET });

    // A schema that throws is a failure of the schema, retried like any failure: logged as `Record failed`.
    expect(text).toContain('"message":"Record failed"');
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(0);
    for (const span of spans) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.events.map((event) => event.name)).toContain('exception');
    }
  });

  it('FullBatchFailureError carries the validation error, not what the schema threw', async () => {
    const handler = createBatchHandler(() => {}, { schema: throwsWithValue, logger: false });

    const error = await handler(sqsEvent([{ card: SECRET }])).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FullBatchFailureError);
    expect(reachableStrings(error).join('\n')).not.toContain(PREFIX);
    expect((error as FullBatchFailureError).cause).toBeInstanceOf(RecordValidationError);
  });
});

describe('issue messages have the payload taken out, whole or in part, numbers included', () => {
  const quotesPrefix: StandardSchemaV1 = {
    '~standard': {
      version: 1,
      vendor: 'quoting',
      validate: (value) => ({
        issues: [
          {
            message: `Expected a card token, got "${String((value as { card: string }).card).slice(0, 10)}"...`,
            path: ['card'],
          },
        ],
      }),
    },
  };

  it.each<[string, StandardSchemaV1, unknown, string]>([
    ['valibot quoting a number', v.object({ card: v.string() }), { card: 4111111111111111 }, '4111111111111111'],
    ['valibot quoting a string', v.object({ kind: v.picklist(['new', 'refund']) }), { kind: SECRET }, PREFIX],
    ['arktype quoting a string', type({ kind: "'new' | 'refund'" }), { kind: SECRET }, PREFIX],
    ['a message quoting the first ten characters', quotesPrefix, { card: SECRET }, PREFIX],
    ['a message quoting a JSON-escaped value', quotesPrefix, { card: `${PREFIX}\n"x"` }, PREFIX],
  ])('%s', async (_label, schema, body, secret) => {
    const { text, error } = await runAndCollect(schema, body);

    expect(error).toBeInstanceOf(RecordValidationError);
    expect((error as RecordValidationError).issues.length).toBeGreaterThan(0);
    expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('keeps the schema’s own words and paths', async () => {
    const { error } = await runAndCollect(v.object({ card: v.string() }), { card: 4111111111111111 });

    const [issue] = (error as RecordValidationError).issues;
    expect(issue?.path).toEqual(['card']);
    expect(issue?.message).toBe('Invalid type: Expected string but received [redacted]');
  });
});
